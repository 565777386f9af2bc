"""open_board: a development board starts on a bare data directory; production needs a key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from issuer.board import open_board
from issuer.settings import IssuerSettings
from vc_core.clock import FixedClock
from vc_core.errors import ConfigError
from vc_schemas.record import RegisterRecord

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RECORD = RegisterRecord(
    qualification_id="kangoshi",
    license_number="1234567",
    registration_date=date(2015, 4, 1),
    family_name="山田",
    given_name="花子",
    family_name_kana="ヤマダ",
    given_name_kana="ハナコ",
    date_of_birth=date(1990, 5, 20),
)


def test_a_development_board_makes_its_key_once_and_issues(tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path, environment="development")
    board = open_board(settings, clock=FixedClock(NOW))
    try:
        issued = board.issuer.issue_record(RECORD, form="dc+sd-jwt", profile=board.profile)
        assert isinstance(issued.secured, str)
        assert {e.status_purpose for e in issued.entries} == {"revocation", "suspension"}
        assert board.did.startswith("did:key:")
    finally:
        board.close()
    again = open_board(settings, clock=FixedClock(NOW))
    try:
        assert again.did == board.did
    finally:
        again.close()


def test_a_production_board_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        open_board(IssuerSettings(data_dir=tmp_path))
    assert raised.value.code == "config.invalid"
    assert not (tmp_path / "issuer.sqlite3").exists()
