"""A development board with two register records, its OpenID4VCI routes in a small app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from issuer.board import Board, open_board
from issuer.http.oid4vci import router
from issuer.oid4vci import CreatedOffer, Oid4vciIssuer
from issuer.settings import IssuerSettings
from issuer.store import subject_of
from service_kit.http import install_problem_handlers
from tests.issuer.oid4vci.wallet import Wallet
from vc_core.clock import FixedClock
from vc_schemas.record import RegisterRecord
from verifier.policy import CheckName

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
ISSUER = "https://board.example.jp"
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
SUBJECT = subject_of("kangoshi", "1234567")
SD_JWT = "kangoshi_dc_sd_jwt"
#: What an employer checks of a credential alone (no trust registry or status lists here).
CREDENTIAL_CHECKS = frozenset(
    {
        CheckName.FORMAT,
        CheckName.DATA_MODEL,
        CheckName.PROOF,
        CheckName.ISSUER_BINDING,
        CheckName.VALIDITY,
        CheckName.SCHEMA,
    }
)
LDP = "kangoshi_ldp_vc"


def offer_of_record(settings: IssuerSettings) -> CreatedOffer:
    """``RECORD`` put in the register of the board ``settings`` describe, and offered to its
    holder as an SD-JWT VC with a transaction code."""
    board = open_board(settings)
    try:
        board.store.put_record(RECORD, actor="import")
        created = Oid4vciIssuer(board).create_offer(SUBJECT, [SD_JWT])
    finally:
        board.close()
    assert created.tx_code is not None
    return created


@dataclass
class Setup:
    board: Board
    service: Oid4vciIssuer
    client: TestClient
    clock: FixedClock

    def wallet(self) -> Wallet:
        return Wallet(self.client, now=self.clock().timestamp())

    def url(self, path: str) -> str:
        return f"{ISSUER}/oid4vci/{path}"


def make_app(board: Board, service: Oid4vciIssuer) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.state.board = board
    app.state.oid4vci = service
    return app


def build(tmp_path: Path, database_url: str | None = None, **settings: object) -> Setup:
    clock = FixedClock(NOW)
    config = IssuerSettings(
        data_dir=tmp_path,
        environment="development",
        public_url=ISSUER,
        database_url=None if database_url is None else SecretStr(database_url),
        **settings,  # type: ignore[arg-type]
    )
    board = open_board(config, clock=clock)
    board.store.put_record(RECORD, actor="import")
    service = Oid4vciIssuer(board)
    client = TestClient(make_app(board, service), base_url=ISSUER)
    return Setup(board, service, client, clock)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    built = build(tmp_path)
    yield built
    built.client.close()
    built.board.close()


@pytest.fixture
def setup_db(tmp_path: Path, db_url: str) -> Iterator[Setup]:
    """The board on SQLite, then on PostgreSQL (``db_url``)."""
    url = None if db_url.startswith("sqlite") else db_url
    built = build(tmp_path, url)
    yield built
    built.client.close()
    built.board.close()


def access_token(setup: Setup, wallet: Wallet, *configurations: str) -> str:
    """Offer ``configurations`` (default: the SD-JWT) and redeem the code for a token."""
    created = setup.service.create_offer(SUBJECT, list(configurations) or [SD_JWT])
    response = wallet.token(setup.url("token"), created.pre_authorized_code, created.tx_code)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def ask(
    setup: Setup, wallet: Wallet, token: str, proofs: list[str], configuration: str = SD_JWT
) -> httpx.Response:
    """A credential request with ``proofs`` under ``token``."""
    body = {"credential_configuration_id": configuration, "proofs": {"jwt": proofs}}
    return wallet.post(setup.url("credential"), access_token=token, json=body)
