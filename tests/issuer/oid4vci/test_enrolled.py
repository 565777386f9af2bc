"""Issuing to enrolled keys only: the EnrolledKeys policy with real enrolments (card emulator).

The board enrols the holder's keys with :class:`issuer.enrolment.Enrolment` — the card signs
the board's challenge, the chain goes to the test PKI's roots, revocation through CRLs — and
the credential endpoint then issues to those keys only: in card mode the key proof is signed
on the card itself (RS256, its certificate chain as ``x5c``), in wallet mode by the wallet key
the card vouched for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from holder.present import x5c_of
from issuer.board import Board, open_board
from issuer.enrolment import Enrolment
from issuer.oid4vci import EnrolledKeys, Oid4vciIssuer
from issuer.settings import IssuerSettings
from jpki_bridge.certs import CertKind, x5t_s256
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession
from jpki_bridge.signer import CardSigner
from jpki_bridge.validation import TrustAnchors
from tests.issuer.enrolment.conftest import (
    SECRET,
    SUBJECT,
    card_dir,
    card_proof,
    crl_sources,
    emulated,
    holder_record,
    pki,
)
from tests.issuer.oid4vci.conftest import ISSUER, SD_JWT, make_app
from tests.issuer.oid4vci.test_token import error_of
from tests.issuer.oid4vci.wallet import Wallet, new_key, public
from vc_core.jose.jws import parse_jws, sign_jws
from vc_core.sdjwt import parse_sd_jwt

__all__ = ["card_dir", "pki"]  # The jpki_bridge fixtures, shared.


@pytest.fixture
def board(tmp_path: Path, sqlite_url: str, pki: TestPki) -> Iterator[Board]:
    settings = IssuerSettings(
        data_dir=tmp_path / "board",
        environment="development",
        public_url=ISSUER,
        database_url=SecretStr(sqlite_url),
    )
    opened = open_board(settings)
    try:
        opened.store.put_record(holder_record(pki), actor="import")
        yield opened
    finally:
        opened.close()


@pytest.fixture
def desk(board: Board, pki: TestPki, tmp_path: Path) -> Enrolment:
    anchors = TrustAnchors((pki.auth_ca_cert, pki.sign_ca_cert))
    return Enrolment(board, anchors, crl_sources(pki, tmp_path), SECRET)


def _token(service: Oid4vciIssuer, wallet: Wallet) -> str:
    created = service.create_offer(SUBJECT, [SD_JWT])
    response = wallet.token(service.endpoints.token, created.pre_authorized_code, created.tx_code)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _ask(wallet: Wallet, token: str, proof: str) -> Any:
    body = {"credential_configuration_id": SD_JWT, "proofs": {"jwt": [proof]}}
    return wallet.post(f"{ISSUER}/oid4vci/credential", access_token=token, json=body)


def test_a_key_proof_signed_on_the_enrolled_card_gets_a_card_bound_credential(
    board: Board, desk: Enrolment, card_dir: Path, pki: TestPki
) -> None:
    desk.enrol(SUBJECT, card_proof(emulated(card_dir), desk.challenge(SUBJECT)), "card")
    service = Oid4vciIssuer(board, key_proofs=EnrolledKeys(board.store))
    with TestClient(make_app(board, service), base_url=ISSUER) as client:
        wallet = Wallet(client)
        token = _token(service, wallet)
        c_nonce = wallet.c_nonce(service.endpoints.nonce)
        with CardSession(emulated(card_dir)) as session:
            signer = CardSigner(session, CertKind.AUTH, Pin(PinKind.AUTH, "1234"))
            header = {"typ": "openid4vci-proof+jwt", "x5c": x5c_of(signer.chain)}
            payload = {"aud": ISSUER, "iat": int(time.time()), "nonce": c_nonce}
            proof = sign_jws(header, payload, signer)
        response = _ask(wallet, token, proof)
        assert response.status_code == 200, response.text
        (entry,) = response.json()["credentials"]
    cnf = parse_jws(parse_sd_jwt(entry["credential"]).jwt).payload["cnf"]
    assert cnf["x5t#S256"] == x5t_s256(pki.auth_cert)
    (stored,) = board.store.credentials_of(SUBJECT)
    assert stored.holder_mode == "card"


def test_only_the_wallet_key_the_card_vouched_for_may_hold_the_credential(
    board: Board, desk: Enrolment, card_dir: Path
) -> None:
    enrolled, stranger = new_key(), new_key()
    proof = card_proof(emulated(card_dir), desk.challenge(SUBJECT), wallet_jwk=public(enrolled))
    desk.enrol(SUBJECT, proof, "wallet", wallet_jwk=public(enrolled))
    service = Oid4vciIssuer(board, key_proofs=EnrolledKeys(board.store))
    with TestClient(make_app(board, service), base_url=ISSUER) as client:
        wallet = Wallet(client)
        token = _token(service, wallet)
        nonce = wallet.c_nonce(service.endpoints.nonce)
        refused = _ask(wallet, token, wallet.key_proof(stranger, audience=ISSUER, nonce=nonce))
        assert error_of(refused) == "invalid_proof"
        nonce = wallet.c_nonce(service.endpoints.nonce)
        accepted = _ask(wallet, token, wallet.key_proof(enrolled, audience=ISSUER, nonce=nonce))
        assert accepted.status_code == 200, accepted.text
    (stored,) = board.store.credentials_of(SUBJECT)
    assert stored.holder_mode == "wallet"
