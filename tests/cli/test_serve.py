"""``shikaku serve verifier``: its settings are checked before anything listens."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app


def test_a_verifier_that_does_not_know_its_audience_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHIKAKU_AUDIENCE", raising=False)
    result = CliRunner().invoke(app, ["serve", "verifier"])
    assert result.exit_code == 2
    assert "config.invalid" in result.output and "audience" in result.output


def test_a_missing_trust_registry_is_refused_before_listening(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "verifier",
            "--audience",
            "https://hospital.example.jp",
            "--trust",
            str(tmp_path / "missing.toml"),
        ],
    )
    assert result.exit_code == 2
    assert "config.invalid" in result.output and "trust_registry" in result.output
