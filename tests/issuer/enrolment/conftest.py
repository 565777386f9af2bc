"""Fixtures for enrolment: a test PKI, a provisioned emulator card, a board whose register
holds the card holder's record, and the holder's side of the protocol."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import SecretStr

from issuer.board import Board, open_board
from issuer.settings import IssuerSettings
from issuer.store import subject_of
from jpki_bridge.binding import create_proof
from jpki_bridge.certs import CertKind
from jpki_bridge.challenge import Challenge
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.revocation import CrlSource
from jpki_bridge.session import CardSession
from jpki_bridge.signer import CardSigner
from jpki_bridge.transport import InProcessTransport, Transport
from jpki_bridge.validation import TrustAnchors
from tests.jpki_bridge.conftest import card_dir, pki
from tests.jpki_bridge.responders import make_crl
from vc_schemas.catalogue import default_catalogue
from vc_schemas.record import RegisterRecord
from vc_schemas.samples import sample_record

ORIGIN = "https://board.example.jp"
SECRET = "an enrolment secret of the test board, 0123456789"
SUBJECT = subject_of("kangoshi", "7000001")

__all__ = ["card_dir", "pki"]  # The jpki_bridge fixtures, shared.


def holder_record(pki: TestPki, license_number: str = "7000001", **changes: Any) -> RegisterRecord:
    """The register record of the test PKI's person (their four facts, a kangoshi licence)."""
    person = pki.person
    family, given = person.name.split("\u3000")
    record = sample_record(default_catalogue().get("kangoshi"))
    facts: dict[str, Any] = {
        "license_number": license_number,
        "family_name": family,
        "given_name": given,
        "date_of_birth": person.birth_date,
        "sex": str(int(person.sex)),
    }
    return dataclasses.replace(record, **{**facts, **changes})


@pytest.fixture
def anchors(pki: TestPki) -> TrustAnchors:
    return TrustAnchors((pki.auth_ca_cert, pki.sign_ca_cert))


def crl_sources(
    pki: TestPki, directory: Path, revoked: Mapping[int, dt.datetime] | None = None
) -> list[CrlSource]:
    """Current CRLs of both test roots, as files, listing ``revoked`` serials."""
    now = dt.datetime.now(dt.UTC)
    sources = []
    for kind in CertKind:
        ca_cert, ca_key = pki.ca(kind)
        crl = make_crl(ca_cert, ca_key, dict(revoked or {}), now=now)
        path = directory / f"{kind.value}.crl"
        path.write_bytes(crl.public_bytes(Encoding.DER))
        sources.append(CrlSource(path))
    return sources


@pytest.fixture
def board(tmp_path: Path, db_url: str, pki: TestPki) -> Iterator[Board]:
    settings = IssuerSettings(
        data_dir=tmp_path / "board",
        environment="development",
        public_url=ORIGIN,
        database_url=SecretStr(db_url),
    )
    opened = open_board(settings)
    try:
        opened.store.put_record(holder_record(pki), actor="import")
        yield opened
    finally:
        opened.close()


PINS = {CertKind.AUTH: "1234", CertKind.SIGN: "ABC123"}


def card_proof(
    transport: Transport,
    challenge: Challenge,
    *,
    key: CertKind = CertKind.AUTH,
    wallet_jwk: Mapping[str, str] | None = None,
    pin: str | None = None,
) -> dict[str, Any]:
    """The holder's side: the card signs the board's challenge; the proof goes out as JSON."""
    kind = PinKind.AUTH if key is CertKind.AUTH else PinKind.SIGN
    with CardSession(transport) as session:
        signer = CardSigner(session, key, Pin(kind, pin or PINS[key]))
        proof = create_proof(
            signer,
            signer.chain,
            key=key,
            nonce=challenge.nonce,
            audience=challenge.audience,
            purpose=challenge.purpose,
            wallet_jwk=wallet_jwk,
        )
    return proof.to_json()


def emulated(card_dir: Path) -> Transport:
    return InProcessTransport.open(card_dir)
