"""Enrolment over HTTP in the OpenID4VCI session: the wallet proves with its DPoP access token,
the subject is the grant's, and every refusal stores nothing (card emulator, test PKI, CRLs)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.board import Board
from issuer.enrolment import Enrolment
from issuer.oid4vci import EnrolledKeys, Oid4vciIssuer
from jpki_bridge.certs import rsa_public_key
from jpki_bridge.challenge import Challenge
from jpki_bridge.pki import TestPki
from tests.issuer.enrolment.conftest import SUBJECT, card_proof, emulated
from tests.issuer.oid4vci.conftest import ISSUER, make_app
from tests.issuer.oid4vci.test_enrolled import _token, board, card_dir, desk, pki
from tests.issuer.oid4vci.test_token import error_of
from tests.issuer.oid4vci.wallet import Wallet
from tests.problems import problem
from vc_core.keys import jwk_thumbprint, public_jwk

__all__ = ["board", "card_dir", "desk", "pki"]

CHALLENGE = f"{ISSUER}/oid4vci/enrolment/challenge"
ENROL = f"{ISSUER}/oid4vci/enrolment"


@pytest.fixture
def service(board: Board, desk: Enrolment) -> Oid4vciIssuer:
    return Oid4vciIssuer(board, key_proofs=EnrolledKeys(board.store), enrolment=desk)


@pytest.fixture
def wallet(board: Board, service: Oid4vciIssuer) -> Iterator[Wallet]:
    with TestClient(make_app(board, service), base_url=ISSUER) as client:
        yield Wallet(client)


def _challenge(wallet: Wallet, token: str) -> Challenge:
    answer = wallet.post(CHALLENGE, access_token=token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store" and answer.headers["dpop-nonce"]
    body = answer.json()
    assert set(body) == {"nonce", "audience", "purpose", "expires_at"}
    expires = dt.datetime.fromisoformat(body["expires_at"])
    return Challenge(
        body["nonce"],
        body["audience"],
        body["purpose"],
        issued_at=expires - dt.timedelta(minutes=5),
        expires_at=expires,
    )


def test_the_metadata_names_the_enrolment_endpoints_only_when_the_board_enrols(
    board: Board, service: Oid4vciIssuer, wallet: Wallet
) -> None:
    metadata, _server = wallet.metadata(ISSUER)
    assert metadata["shikaku_enrolment_challenge_endpoint"] == CHALLENGE
    assert metadata["shikaku_enrolment_endpoint"] == ENROL
    plain = Oid4vciIssuer(board)
    assert "shikaku_enrolment_endpoint" not in plain.issuer_metadata
    with TestClient(make_app(board, plain), base_url=ISSUER) as client:
        other = Wallet(client)
        token = _token(plain, other)
        problem(other.post(CHALLENGE, access_token=token), 404, "request.not_found")


def test_a_card_key_enrols_for_the_grants_subject(
    service: Oid4vciIssuer, wallet: Wallet, desk: Enrolment, card_dir: Path, pki: TestPki
) -> None:
    token = _token(service, wallet)
    challenge = _challenge(wallet, token)
    assert challenge.audience == ISSUER and challenge.purpose.startswith("enrol-")
    proof = card_proof(emulated(card_dir), challenge)
    answer = wallet.post(ENROL, access_token=token, json={"mode": "card", "proof": proof})
    assert answer.status_code == 201, answer.text
    card_key = public_jwk(rsa_public_key(pki.auth_cert))
    assert answer.json() == {"mode": "card", "thumbprint": jwk_thumbprint(card_key)}
    enrolled = desk.enrolled(SUBJECT)
    assert enrolled is not None and enrolled.mode == "card"


def test_without_a_valid_token_nothing_is_enrolled(
    service: Oid4vciIssuer, wallet: Wallet, desk: Enrolment, card_dir: Path
) -> None:
    token = _token(service, wallet)
    proof = card_proof(emulated(card_dir), _challenge(wallet, token))
    body = {"mode": "card", "proof": proof}
    bare = wallet.client.post(ENROL, json=body)
    assert bare.status_code == 401 and error_of(bare) == "invalid_token"
    assert bare.headers["www-authenticate"].startswith("DPoP")
    wrong = wallet.post(ENROL, access_token="not-a-token-the-board-gave", json=body)
    assert wrong.status_code == 401 and error_of(wrong) == "invalid_token"
    assert wallet.client.post(CHALLENGE).status_code == 401
    assert desk.enrolled(SUBJECT) is None
    # The proof itself was good: with the token it enrols.
    assert wallet.post(ENROL, access_token=token, json=body).status_code == 201


def test_a_proof_for_another_audience_is_refused(
    service: Oid4vciIssuer, wallet: Wallet, desk: Enrolment, card_dir: Path
) -> None:
    token = _token(service, wallet)
    challenge = _challenge(wallet, token)
    elsewhere = dataclasses.replace(challenge, audience="https://phisher.example.com")
    proof = card_proof(emulated(card_dir), elsewhere)
    answer = wallet.post(ENROL, access_token=token, json={"mode": "card", "proof": proof})
    problem(answer, 400, "card.audience_mismatch")
    assert answer.headers["dpop-nonce"]
    assert desk.enrolled(SUBJECT) is None


def test_a_replayed_nonce_is_refused(
    service: Oid4vciIssuer, wallet: Wallet, desk: Enrolment, card_dir: Path, board: Board
) -> None:
    token = _token(service, wallet)
    body = {"mode": "card", "proof": card_proof(emulated(card_dir), _challenge(wallet, token))}
    assert wallet.post(ENROL, access_token=token, json=body).status_code == 201
    events = [e for e in board.store.events(subject_id=SUBJECT) if e.action == "holder_enrolled"]
    again = wallet.post(ENROL, access_token=token, json=body)
    problem(again, 400, "card.nonce_reused")
    after = [e for e in board.store.events(subject_id=SUBJECT) if e.action == "holder_enrolled"]
    assert len(after) == len(events) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"mode": "card"}, "request.invalid"),
        ({"mode": "both", "proof": {}}, "request.invalid"),
        ({"mode": "card", "proof": {"type": "JpkiBindingProof"}}, "card.proof_malformed"),
        ({"mode": "card", "proof": {}, "extra": 1}, "request.invalid"),
        ({"mode": "card", "proof": {}, "wallet_jwk": "x"}, "request.invalid"),
    ],
)
def test_malformed_enrolments_are_problems(
    service: Oid4vciIssuer, wallet: Wallet, desk: Enrolment, body: dict[str, Any], code: str
) -> None:
    token = _token(service, wallet)
    problem(wallet.post(ENROL, access_token=token, json=body), 400, code)
    assert desk.enrolled(SUBJECT) is None
