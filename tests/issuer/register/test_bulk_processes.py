"""Bulk issuance in real processes on PostgreSQL: killed mid-run, rerun, and side by side.

``shikaku issuer issue-all`` runs as a subprocess against a PostgreSQL schema of its own.
Killed with SIGKILL part-way, then run again, it must leave every registered record issued
exactly once (no duplicate issuance key, no record missing) and every status index handed
out once, to a credential that exists. Two commands at once (one of them with two worker
processes) must share the work without ever issuing a record twice or sharing an index.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from issuer.board import Board, open_board
from issuer.bulk import BulkClaim, issuance_key
from issuer.register import Row, import_register
from issuer.registers import fictitious_rows
from issuer.status.models import EntryRow
from issuer.store import CredentialRow, RecordRow
from tests.issuer.register.conftest import board_settings

pytestmark = pytest.mark.slow

_ROOT = Path(__file__).resolve().parents[3]
SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]
RECORDS = 3000
FORM = "dc+sd-jwt"


@pytest.fixture
def pg_board(postgres_url: str, tmp_path: Path) -> Iterator[Board]:
    board = open_board(board_settings(postgres_url, tmp_path / "board"))
    rows = (Row(n, r) for n, r in enumerate(fictitious_rows(RECORDS), 1))
    report = import_register(board, rows, profile="kangoshi", actor="test")
    assert report.new == RECORDS
    yield board
    board.close()


def _issue_all(board: Board, *options: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SHIKAKU_DATABASE_URL": board.settings.database("issuer"),
        "SHIKAKU_DATA_DIR": str(board.settings.data_dir),
        "SHIKAKU_ENVIRONMENT": "development",
    }
    return subprocess.Popen(
        [*SHIKAKU, "issuer", "issue-all", "--format", FORM, *options],
        cwd=_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _issued(board: Board) -> int:
    return int(
        board.store.transact(
            lambda s: s.scalar(sa.select(sa.func.count()).select_from(CredentialRow)),
            durable=False,
        )
        or 0
    )


def _finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=900)
    assert process.returncode == 0, err
    return out


def _assert_exactly_once(board: Board) -> None:
    """Every registered record issued once in FORM; every index handed out once, to a
    credential that exists, one per purpose."""

    def issued(session: sa.orm.Session) -> tuple[list[tuple[str, str, str]], list[str]]:
        rows = session.execute(
            sa.select(
                CredentialRow.credential_id, CredentialRow.issuance_key, CredentialRow.subject_id
            )
        ).all()
        subjects = list(session.scalars(sa.select(RecordRow.subject_id)))
        return [(r[0], r[1], r[2]) for r in rows], subjects

    credentials, subjects = board.store.transact(issued, durable=False)
    assert len(credentials) == RECORDS
    assert len({c[1] for c in credentials}) == RECORDS  # No duplicate issuance key.
    assert {c[1] for c in credentials} == {issuance_key(s, 1, FORM) for s in subjects}
    assert Counter(c[2] for c in credentials).most_common(1)[0][1] == 1

    def entries(session: sa.orm.Session) -> list[tuple[str, int, int, str]]:
        rows = session.execute(
            sa.select(EntryRow.credential_id, EntryRow.list_id, EntryRow.idx, EntryRow.purpose)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    placed = board.registry.transact(entries, durable=False)
    assert len({(e[1], e[2]) for e in placed}) == len(placed)  # No index given twice.
    assert Counter((e[0], e[3]) for e in placed).most_common(1)[0][1] == 1
    assert {e[0] for e in placed} == {c[0] for c in credentials}  # None burnt, none missing.
    assert len(placed) == 2 * RECORDS


def test_killed_mid_run_then_rerun_issues_each_record_exactly_once(pg_board: Board) -> None:
    process = _issue_all(pg_board, "--batch-size", "100")
    # Wait until some batches committed, then kill it without warning.
    while _issued(pg_board) < 600 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)  # Reaps it and closes its pipes.
    partial = _issued(pg_board)
    assert 0 < partial < RECORDS, "the kill came after the run finished; nothing was tested"

    _finish(_issue_all(pg_board, "--batch-size", "100"))

    _assert_exactly_once(pg_board)


def test_workers_at_once_never_issue_a_record_twice(pg_board: Board) -> None:
    first = _issue_all(pg_board, "--batch-size", "50", "--workers", "2")
    second = _issue_all(pg_board, "--batch-size", "50")
    _finish(first)
    _finish(second)

    _assert_exactly_once(pg_board)

    def claims(session: sa.orm.Session) -> list[tuple[str | None, int]]:
        return [
            (r[0], r[1]) for r in session.execute(sa.select(BulkClaim.worker, BulkClaim.issued))
        ]

    done = pg_board.store.transact(claims, durable=False)
    assert all(worker is not None for worker, _ in done)
    assert sum(issued for _, issued in done) == RECORDS
    # Once done, a third run finds nothing to do.
    assert '"issued": 0' in _finish(_issue_all(pg_board))
