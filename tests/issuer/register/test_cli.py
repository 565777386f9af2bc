"""``shikaku issuer import`` and ``issue-all`` through the CLI's own entry point, on a bare
development data directory (SQLite)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.app import main
from issuer.registers import SAMPLE_REGISTER


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def shikaku(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Callable[..., Run]:
    monkeypatch.setenv("SHIKAKU_DATA_DIR", str(tmp_path / "board"))
    monkeypatch.setenv("SHIKAKU_ENVIRONMENT", "development")
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["shikaku", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Run(int(exited.value.code or 0), captured.out, captured.err)

    return run


def test_import_then_issue_all_in_both_forms(shikaku: Callable[..., Run], tmp_path: Path) -> None:
    imported = shikaku("issuer", "import", str(SAMPLE_REGISTER), "--profile", "kangoshi")
    assert imported.code == 0, imported.err
    summary = json.loads(imported.out)
    assert (summary["new"], summary["rejected"]) == (18, 2)
    with (tmp_path / "kangoshi-sample.rejected.csv").open(encoding="utf-8") as handle:
        assert {row["row"] for row in csv.DictReader(handle)} == {"19", "20"}

    issued = shikaku("issuer", "issue-all", "--format", "both", "--workers", "2")
    assert issued.code == 0, issued.err
    result = json.loads(issued.out)
    assert result["dc+sd-jwt"]["issued"] == 18 and result["ecdsa-sd-2023"]["issued"] == 18
    assert "one worker" in issued.err  # SQLite has one writer.

    again = shikaku("issuer", "issue-all")
    assert json.loads(again.out)["dc+sd-jwt"] == {
        "run": 3,
        "issued": 0,
        "already": 18,
        "records": 18,
        "done": 18,
    }


def test_bad_options_are_refused_with_their_codes(shikaku: Callable[..., Run]) -> None:
    unknown = shikaku("issuer", "import", str(SAMPLE_REGISTER), "--profile", "no-such")
    assert unknown.code != 0 and "board.profile_unknown" in unknown.err
    form = shikaku("issuer", "issue-all", "--format", "vc+jwt")
    assert form.code != 0 and "board.form_unknown" in form.err
    fmt = shikaku("issuer", "import", str(SAMPLE_REGISTER), "--format", "xml")
    assert fmt.code != 0 and "board.row_malformed" in fmt.err
