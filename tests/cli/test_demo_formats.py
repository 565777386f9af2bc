"""`shikaku demo --formats`: the offline story of each securing form, on any clock."""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest
from rich.console import Console

from cli.demo_formats import DemoKeys, run_demo
from vc_core.clock import SteppingClock

#: Instants the story's steps straddle: a UTC day, month and (the first) year; a day and year
#: in Japan (15:00Z is midnight JST); a minute. Some lie before the machine's real time and
#: some after, so a step that read the real clock instead of the injected one would disagree
#: with the others (a certificate not yet valid, a proof from the future).
_BOUNDARIES = (
    datetime(2026, 7, 1, tzinfo=UTC),
    datetime(2026, 12, 31, 15, tzinfo=UTC),
    datetime(2027, 1, 1, tzinfo=UTC),
    datetime(2030, 3, 31, 12, 34, tzinfo=UTC),
)
#: How far the clock moves between two readings: from a millisecond to several seconds (the
#: whole story then spans about a minute and a half, within the KB-JWT's five-minute age).
_STEPS = tuple(timedelta(milliseconds=ms) for ms in (1, 97, 999, 1000, 7001))
_RUNS = 200


class _CountingClock(SteppingClock):
    """A stepping clock that counts its readings."""

    __slots__ = ("readings",)

    def __init__(self, moment: datetime, step: timedelta) -> None:
        super().__init__(moment, step)
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return super().__call__()


def test_demo_tells_the_whole_story_and_exits_0(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli.app import main; main()",
            "demo",
            "--formats",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "withheld (never sent)" in out and "registeredDomicilePrefecture" in out
    assert "kb.nonce_mismatch" in out  # The replayed card presentation is refused.
    assert "proof.invalid_signature" in out  # The forgery is refused.
    assert "this is a bug" not in out
    disclosed = json.loads((tmp_path / "disclosed.json").read_text(encoding="utf-8"))
    subject = disclosed["credentialSubject"]
    assert "licenseNumber" in subject
    assert not {"registeredSex", "registeredDomicilePrefecture", "dateOfBirth"} & set(subject)
    assert (tmp_path / "card-presentation.txt").read_text(encoding="utf-8").count("~") >= 2


def _tell(folder: Path, clock: SteppingClock, keys: DemoKeys) -> bool:
    """Tell the story once, quietly: rendering its output is a third of the time (a failing
    run is told again by :func:`_told`, on the same clock, to show what happened)."""
    ok = run_demo(folder, clock=clock, console=Console(quiet=True), keys=keys)
    shutil.rmtree(folder, ignore_errors=True)
    return ok


def _told(folder: Path, clock: SteppingClock, keys: DemoKeys) -> str:
    out = io.StringIO()
    run_demo(folder, clock=clock, console=Console(file=out, width=100), keys=keys)
    return out.getvalue()


@pytest.mark.slow
def test_demo_passes_200_times_whatever_boundary_its_steps_straddle(tmp_path: Path) -> None:
    """Issue 10: the story used to read "now" once and then make a certificate valid from a
    later, truncated second; any run whose first steps crossed a second failed. Here the clock
    moves on at every reading and a second, minute, day or year boundary falls between each
    pair of consecutive readings in turn; every one of the 200 runs must come out right."""
    keys = DemoKeys.generate()  # RSA keys are the slow part; certificates are new each run.
    start = datetime(2026, 9, 1, tzinfo=UTC)
    calibration = _CountingClock(start, timedelta(seconds=1))
    assert _tell(tmp_path / "calibration", calibration, keys), _told(
        tmp_path / "calibration-told", SteppingClock(start, timedelta(seconds=1)), keys
    )
    readings = calibration.readings
    assert readings >= 10  # Each step reads the clock when it acts.

    # The boundary lies after reading `gap` - 1 and at or before reading `gap`.
    plans = list(product(range(1, readings), _STEPS, _BOUNDARIES))
    chosen = random.Random(10).sample(plans * 2, _RUNS)
    assert {gap for gap, _, _ in chosen} == set(range(1, readings))
    for run, (gap, step, boundary) in enumerate(chosen):
        start = boundary - gap * step + step / 2
        clock = _CountingClock(start, step)
        if not _tell(tmp_path / f"run-{run}", clock, keys):
            output = _told(tmp_path / f"run-{run}-told", SteppingClock(start, step), keys)
            pytest.fail(
                f"run {run}: boundary {boundary} after reading {gap}, step {step}\n{output}"
            )
        assert clock.readings == readings
        assert start + (gap - 1) * step < boundary <= start + gap * step
