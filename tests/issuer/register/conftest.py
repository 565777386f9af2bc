"""Fixtures of the register tests: a board on the test database, a CSV of fictitious rows."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from issuer.board import Board, open_board
from issuer.settings import IssuerSettings
from issuer.store import BoardStore


def board_settings(db_url: str, data_dir: Path) -> IssuerSettings:
    """A development board on ``db_url`` (its key made in ``data_dir``)."""
    return IssuerSettings.load(data_dir=data_dir, database_url=db_url, environment="development")


@pytest.fixture
def board(db_url: str, tmp_path: Path) -> Iterator[Board]:
    opened = open_board(board_settings(db_url, tmp_path / "board"))
    yield opened
    opened.close()


@pytest.fixture
def store(db_url: str) -> Iterator[BoardStore]:
    opened = BoardStore.open(db_url)
    yield opened
    opened.close()


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """``rows`` as a CSV file under the header of the first row."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
