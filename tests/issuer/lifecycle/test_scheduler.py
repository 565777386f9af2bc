"""The lifecycle scheduler: its background thread applies a due suspension and stops cleanly,
and several board processes running it on one database at once apply each change once."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from issuer.board import Board
from issuer.lifecycle import Lifecycle, LifecycleScheduler, jst_moment
from tests.issuer.lifecycle.conftest import ACTOR, BASIS, SUBJECT, first_issue, published
from vc_core.clock import FixedClock
from vc_core.errors import BoardError, StatusError

START, END = date(2026, 7, 1), date(2026, 10, 1)
_ROOT = Path(__file__).resolve().parents[3]


def _suspend(lifecycle: Lifecycle) -> None:
    lifecycle.suspend(
        SUBJECT, starts=START, ends=END, legal_basis=BASIS, actor=ACTOR, order_id="o-1"
    )


def _rounds_reach(scheduler: LifecycleScheduler, count: int) -> bool:
    """Wait (at most a minute) until the scheduler has finished ``count`` rounds."""
    pause = threading.Event()
    for _ in range(6000):
        if scheduler.rounds >= count:
            return True
        pause.wait(0.01)
    return False


def test_the_background_thread_applies_and_lifts_a_suspension(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    instance = first_issue(board)
    _suspend(lifecycle)
    with LifecycleScheduler(board, interval=0.01) as scheduler:
        assert _rounds_reach(scheduler, 1)
        assert published(board, instance.credential_id, "suspension") == 0
        clock.set(jst_moment(START))
        # Two more rounds: at least one began after the clock moved.
        assert _rounds_reach(scheduler, scheduler.rounds + 2)
        assert published(board, instance.credential_id, "suspension") == 1
        clock.set(jst_moment(END))
        assert _rounds_reach(scheduler, scheduler.rounds + 2)
        assert published(board, instance.credential_id, "suspension") == 0
    assert scheduler._thread is None and scheduler.failures == 0


def test_an_interval_must_be_positive(board: Board) -> None:
    with pytest.raises(BoardError):
        LifecycleScheduler(board, interval=0)


def test_several_processes_ticking_at_once_apply_each_change_once(
    board: Board, lifecycle: Lifecycle, db_url: str, tmp_path: Path
) -> None:
    instances = [first_issue(board, name=str(n)) for n in range(3)]
    _suspend(lifecycle)
    go = tmp_path / "go"
    moment = jst_moment(START).isoformat()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.issuer.lifecycle._tick_worker",
                str(board.settings.data_dir),
                db_url,
                moment,
                f"scheduler-{n}",
                "--go",
                str(go),
            ],
            cwd=_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline() == "ready\n", worker.stderr and worker.stderr.read()
    go.touch()
    made = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        made.append(int(out.split()[-1]))
    # Each entry changed once (suspension and message of three instances), by whichever won.
    assert sum(made) == 6
    ticks = [a for a in board.registry.audit_log(subject_id=SUBJECT) if a.action == "tick"]
    assert sorted((a.credential_id, a.purpose) for a in ticks) == sorted(
        (i.credential_id, p) for i in instances for p in ("suspension", "message")
    )
    for instance in instances:
        assert published(board, instance.credential_id, "suspension") == 1


def test_the_interval_comes_from_the_settings(board: Board) -> None:
    assert LifecycleScheduler(board).interval == board.settings.lifecycle_tick_seconds == 60


def test_a_failed_round_does_not_end_the_thread(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    instance = first_issue(board)
    _suspend(lifecycle)
    clock.set(jst_moment(START))
    real = board.registry.tick
    failing = {"left": 2}

    def tick(*, actor: str = "tick") -> Any:
        if failing["left"]:
            failing["left"] -= 1
            raise StatusError("status.storage_failed", "the database is away")
        return real(actor=actor)

    board.registry.tick = tick  # type: ignore[method-assign]
    with LifecycleScheduler(board, interval=0.01) as scheduler:
        assert _rounds_reach(scheduler, 1)
    assert scheduler.failures == 2
    assert published(board, instance.credential_id, "suspension") == 1
