"""``shikaku issuer suspend | reinstate | revoke | death | relicense | rename | tick | events``
on a development board in a bare data directory (its own key), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.errors import EXIT_REFUSED
from issuer.board import Board, open_board
from issuer.settings import IssuerSettings
from tests.issuer.lifecycle.conftest import BASIS, SUBJECT, first_issue, published, record


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    path = tmp_path / "board.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        f'database_url = "{db_url}"\n'
        'environment = "development"\n'
        'public_url = "https://board.example.jp"\n'
    )
    return path


@pytest.fixture
def cli_board(config: Path) -> Iterator[Board]:
    opened = open_board(IssuerSettings.load(toml_file=config))
    try:
        opened.store.put_record(record("7000001"), actor="import")
        yield opened
    finally:
        opened.close()


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["issuer", *args, "--config", str(config)])
    return result.exit_code, result.output


def test_orders_from_the_command_line(config: Path, cli_board: Board) -> None:
    instance = first_issue(cli_board)
    today = date.today()
    args = [
        "suspend",
        SUBJECT,
        "--from",
        (today - timedelta(days=1)).isoformat(),
        "--until",
        (today + timedelta(days=90)).isoformat(),
        "--reason-code",
        "1",
        "--legal-basis",
        BASIS,
        "--order-id",
        "mhlw-1",
    ]
    code, out = _run(config, *args)
    assert code == 0, out
    done = json.loads(out)
    assert (done["action"], done["repeated"], done["statusChanges"]) == (
        "lifecycle.suspended",
        False,
        1,
    )
    assert done["label"] == "業務停止等の処分 / suspension ordered"
    assert published(cli_board, instance.credential_id, "suspension") == 1
    code, out = _run(config, *args)
    assert code == 0 and json.loads(out)["repeated"] is True

    code, out = _run(config, "reinstate", SUBJECT, "--legal-basis", BASIS, "--order-id", "lift")
    assert code == 0, out
    assert published(cli_board, instance.credential_id, "suspension") == 0

    code, out = _run(config, "rename", SUBJECT, "--set", "family_name=新姓", "--legal-basis", BASIS)
    assert code == 0, out
    renamed = json.loads(out)
    assert renamed["superseded"] == [instance.credential_id] and len(renamed["issued"]) == 1

    code, out = _run(config, "revoke", SUBJECT, "--legal-basis", BASIS, "--order-id", "r-1")
    assert code == 0 and json.loads(out)["standing"] == "revoked"
    code, out = _run(config, "relicense", SUBJECT, "--legal-basis", BASIS, "--order-id", "re")
    assert code == 0 and json.loads(out)["standing"] == "registered"
    code, out = _run(config, "death", SUBJECT, "--legal-basis", BASIS, "--order-id", "d")
    assert code == 0 and json.loads(out)["standing"] == "deceased"

    code, out = _run(config, "tick")
    assert code == 0 and json.loads(out)["statusChanges"] == 0

    code, out = _run(config, "events", SUBJECT)
    assert code == 0, out
    for label in ("業務停止等の処分 / suspension ordered", "停止の解除", "籍訂正による再発行"):
        assert label in out
    assert "order mhlw-1" in out and BASIS in out
    code, out = _run(config, "events", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [e["action"] for e in lines if e["action"].startswith("lifecycle.")] == [
        "lifecycle.suspended",
        "lifecycle.reinstated",
        "lifecycle.renamed",
        "lifecycle.revoked",
        "lifecycle.relicensed",
        "lifecycle.deceased",
    ]


def test_refusals_carry_their_codes(config: Path, cli_board: Board) -> None:
    code, out = _run(config, "revoke", "kangoshi:0000000", "--legal-basis", BASIS)
    assert code == EXIT_REFUSED and "board.record_unknown" in out
    code, out = _run(
        config,
        "suspend",
        SUBJECT,
        "--from",
        "2030-05-01",
        "--until",
        "2030-04-01",
        "--legal-basis",
        BASIS,
    )
    assert code == EXIT_REFUSED and "board.event_invalid" in out
    code, out = _run(config, "suspend", SUBJECT, "--from", "not-a-day", "--legal-basis", BASIS)
    assert code != 0
    assert not [e for e in cli_board.store.iter_events() if e.action.startswith("lifecycle.")]
