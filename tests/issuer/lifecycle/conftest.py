"""Fixtures for the lifecycle orders: a board on SQLite or PostgreSQL with a moving clock,
register records, first issuance as bulk issuance or OpenID4VCI would store it, and readers
of what the board published (the W3C list and the token list, decoded with vc_core)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from issuer.board import Board, open_board
from issuer.jose_forms import HolderBinding
from issuer.lifecycle import Lifecycle
from issuer.settings import IssuerSettings
from issuer.store import IssuedInstance, subject_of
from vc_core.clock import FixedClock
from vc_core.keys import SoftwareKey, generate_key
from vc_core.status import parse_status_list_credential
from vc_core.status.token import read_status_list_jwt
from vc_schemas.catalogue import default_catalogue
from vc_schemas.record import RegisterRecord
from vc_schemas.samples import sample_record

ORIGIN = "https://board.example.jp"
T0 = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 12:00 JST on 1 June 2026.
SUBJECT = subject_of("kangoshi", "7000001")
OTHER = subject_of("kangoshi", "7000002")
BASIS = "保健師助産師看護師法第14条第1項第2号"
ACTOR = "mhlw-ishoku"


def record(license_number: str = "7000001", **changes: Any) -> RegisterRecord:
    base = sample_record(default_catalogue().get("kangoshi"))
    return dataclasses.replace(base, license_number=license_number, **changes)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def board(tmp_path: Path, db_url: str, clock: FixedClock) -> Iterator[Board]:
    settings = IssuerSettings(
        data_dir=tmp_path / "board",
        environment="development",
        public_url=ORIGIN,
        database_url=SecretStr(db_url),
        status_purposes=("revocation", "suspension", "message"),
    )
    opened = open_board(settings, clock=clock)
    try:
        opened.store.put_record(record("7000001"), actor="import")
        opened.store.put_record(record("7000002"), actor="import")
        yield opened
    finally:
        opened.close()


@pytest.fixture
def lifecycle(board: Board) -> Lifecycle:
    return Lifecycle(board)


@pytest.fixture
def holder_key() -> SoftwareKey:
    return generate_key("p256")


def first_issue(
    board: Board,
    subject: str = SUBJECT,
    *,
    form: str = "dc+sd-jwt",
    holder: SoftwareKey | None = None,
    mode: str | None = "wallet",
    name: str = "1",
) -> IssuedInstance:
    """A first issuance as the board's issuing paths store it."""
    stored = board.store.record(subject)
    assert stored is not None
    binding = None if holder is None else HolderBinding.of_key(holder.public_key)
    issued = board.issuer.issue_record(
        stored.record, form=form, profile=board.profile, holder=binding
    )
    body = issued.secured if isinstance(issued.secured, str) else json.dumps(issued.secured)
    return board.store.add_credential(
        IssuedInstance(
            credential_id=issued.credential_id,
            issuance_key=f"test:{subject}:{form}:{name}",
            subject_id=subject,
            record_version=stored.version,
            form=form,
            body=body,
            issued_at=board.clock(),
            holder_mode=None if binding is None else mode,
            holder_key=None if binding is None else json.dumps(dict(binding.jwk)),
        ),
        actor="bulk",
    )


def published(board: Board, credential_id: str, purpose: str) -> int:
    """The value at the credential's index in its published W3C list of ``purpose``."""
    entry = next(e for e in board.registry.entries(credential_id) if e.status_purpose == purpose)
    publication = board.publisher.get(entry.status_list_credential, "w3c")
    parsed = parse_status_list_credential(json.loads(publication.body))
    return parsed.decode(entry.status_size).get(entry.status_list_index)


def published_token(board: Board, credential_id: str, purpose: str) -> int:
    """The value at the credential's index in its published status list token."""
    entry = next(e for e in board.registry.entries(credential_id) if e.status_purpose == purpose)
    publication = board.publisher.get(entry.status_list_credential, "jwt")
    _header, token = read_status_list_jwt(publication.body.decode())
    return token.status_list.get(entry.status_list_index)


def lifecycle_events(board: Board, subject: str = SUBJECT) -> list[Any]:
    return [
        e for e in board.store.iter_events(subject_id=subject) if e.action.startswith("lifecycle.")
    ]
