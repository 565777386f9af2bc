"""Card mode receive over OpenID4VCI, in-process: a board in service (not development, so only
enrolled keys may hold) makes an offer through ``POST /admin/offers``; the wallet redeems it,
enrols the emulated My Number Card's key in the same session, receives a credential bound to
the card, and presents it, signed on the card, to the project's verifier, which verifies it.
A wrong PIN spends exactly one try and nothing else.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.testclient import TestClient

from holder.card import card_signer
from holder.flows.oid4vci import parse_offer, receive
from holder.flows.oid4vp import fetch_request, match, respond
from holder.store import KdfParams, WalletStore
from holder.verifier_roots import VerifierRoots, load_roots
from issuer.board import Board
from issuer.enrolment import Enrolment
from issuer.http import IssuerSettings, create_app
from issuer.settings import ApiKey, api_key_hash
from jpki_bridge.certs import x5t_s256
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession
from tests.issuer.enrolment.conftest import SUBJECT, crl_sources, emulated, holder_record
from tests.verifier.world import handler
from vc_core.errors import CardError
from vc_core.keys import generate_key
from verifier.http import VerifierSettings
from verifier.http import create_app as verifier_app
from verifier.oid4vp.identity import DEVELOPMENT_CERTIFICATE
from verifier.trust import TrustedIssuer, TrustRegistry

BOARD = "https://board.example.jp"
HOSPITAL = "https://hospital.example.jp"
ISSUE_KEY = secrets.token_urlsafe(32)
DESK_KEY = ApiKey(name="desk", sha256=api_key_hash(ISSUE_KEY), scopes=frozenset({"issue"}))


@dataclass
class Served:
    board: Board
    client: TestClient
    anchors: Path

    def offer(self) -> tuple[str, str | None]:
        made = self.client.post(
            "/admin/offers",
            json={"subject_id": SUBJECT},
            headers={"Authorization": f"Bearer {ISSUE_KEY}"},
        )
        assert made.status_code == 201, made.text
        return made.json()["offer_uri"], made.json()["tx_code"]

    @property
    def desk(self) -> Enrolment:
        desk: Enrolment = self.client.app.state.enrolment  # type: ignore[attr-defined]
        return desk


@pytest.fixture
def served(tmp_path: Path, pki: TestPki) -> Iterator[Served]:
    """The board's app in production settings: its key, an API key, JPKI roots and CRLs."""
    key = tmp_path / "board.jwk"
    generate_key("p256").save(key)
    anchors = tmp_path / "jpki-roots.pem"
    anchors.write_bytes(
        b"".join(c.public_bytes(Encoding.PEM) for c in (pki.auth_ca_cert, pki.sign_ca_cert))
    )
    crls = tmp_path / "crls"
    crls.mkdir()
    sources = crl_sources(pki, crls)
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board",
        environment="production",
        public_url=BOARD,
        signing_key=key,
        api_keys=(DESK_KEY,),
        jpki_anchors=(anchors,),
        jpki_crl=tuple(str(source.location) for source in sources),
        enrolment_secret=secrets.token_urlsafe(32),
    )
    with TestClient(create_app(settings), base_url=BOARD) as client:
        board: Board = client.app.state.board  # type: ignore[attr-defined]
        board.store.put_record(holder_record(pki), actor="import")
        yield Served(board, client, anchors)


def _wallet(tmp_path: Path) -> WalletStore:
    return WalletStore.init(
        tmp_path / "wallet.json",
        "a long passphrase",
        params=KdfParams(iterations=1, lanes=1, memory=1024),
    )


def assert_verified_on_card(
    get: Callable[..., Any], base: str, transaction: Mapping[str, Any]
) -> None:
    """The verifier's verdict on ``transaction``: done, valid, the card's chain and binding
    checked (``get`` is the client's, ``base`` the verifier's URL or "" in-process)."""
    state = get(
        f"{base}/oid4vp/transactions/{transaction['id']}",
        headers={"Authorization": f"Bearer {transaction['secret']}"},
    ).json()
    assert state["status"] == "done" and state["verdict"]["verified"] is True, state
    checks = {c["check"]: c["outcome"] for c in state["verdict"]["checks"]}
    assert checks["holder_certificate"] == "passed" and checks["holder_binding"] == "passed"


def trusting(board: Board, folder: Path, audience: str, anchors: Path) -> VerifierSettings:
    """The project's verifier at ``audience``, trusting ``board`` for 看護師 (its did:key and
    status lists) and the JPKI roots in ``anchors`` for card-signed presentations."""
    registry = folder / "trust.toml"
    TrustRegistry(
        [
            TrustedIssuer(
                id=board.did,
                name_ja="厚生労働大臣",
                name_en="Minister of Health, Labour and Welfare",
                qualifications=frozenset({"kangoshi"}),
            )
        ]
    ).save(registry)
    return VerifierSettings.load(
        data_dir=folder / "verifier",
        audience=audience,
        trust_registry=registry,
        status_allow=(board.settings.status_base_url + "/",),
        jpki_anchors=(anchors,),
        environment="development",
    )


@pytest.fixture
def hospital(tmp_path: Path, served: Served) -> Iterator[TestClient]:
    settings = trusting(served.board, tmp_path, HOSPITAL, served.anchors)
    transport = handler(served.board.publisher, served.board.registry)
    with TestClient(verifier_app(settings, transport=transport), base_url=HOSPITAL) as client:
        yield client


def test_a_nurse_enrols_her_card_receives_and_presents_on_it(
    served: Served, hospital: TestClient, card_dir: Path, pki: TestPki, tmp_path: Path
) -> None:
    link, tx_code = served.offer()
    offer = parse_offer(link, served.client)
    with CardSession(emulated(card_dir)) as session:
        signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
        (got,) = receive(offer, served.client, tx_code=tx_code, card=signer)
    assert got.holder_mode == "card" and got.key is None
    assert got.received.binding.certificate == x5t_s256(pki.auth_cert)
    assert got.received.signature.outcome == "verified"
    enrolled = served.desk.enrolled(SUBJECT)
    assert enrolled is not None and enrolled.mode == "card"
    (issued,) = served.board.store.credentials_of(SUBJECT)
    assert issued.holder_mode == "card"

    store = _wallet(tmp_path)
    store.add(
        got.received.body,
        format=str(got.received.format),
        qualification=got.received.qualification,
        issuer=got.received.issuer,
        holder_mode=got.holder_mode,
        key=got.key,
    )
    created = hospital.post("/oid4vp/transactions", json={"qualification": "kangoshi"})
    assert created.status_code == 201, created.text
    transaction = created.json()
    # The hospital runs in development: the wallet is given its self-signed certificate.
    certificate = tmp_path / "verifier" / "oid4vp" / DEVELOPMENT_CERTIFICATE
    roots = VerifierRoots(load_roots([certificate]))
    request = fetch_request(transaction["authorization_request"], hospital, roots=roots)
    chosen = match(request, store.credentials())
    assert chosen.credential.holder_mode == "card"
    with CardSession(emulated(card_dir)) as session:
        signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
        answer = respond(request, chosen, signer, hospital, chain=signer.chain)
    assert answer.status_code == 200, answer.text
    assert_verified_on_card(hospital.get, "", transaction)


def test_a_wrong_pin_spends_one_try_and_nothing_else(
    served: Served, card_dir: Path, pki: TestPki
) -> None:
    link, tx_code = served.offer()
    offer = parse_offer(link, served.client)
    with CardSession(emulated(card_dir)) as session:
        before = session.pin_status(PinKind.AUTH).tries_left
        wrong = "0000" if pki.auth_pin != "0000" else "9999"
        signer = card_signer(session, Pin(PinKind.AUTH, wrong))
        with pytest.raises(CardError) as raised:
            receive(offer, served.client, tx_code=tx_code, card=signer)
        assert raised.value.code == "card.pin_incorrect"
        assert session.pin_status(PinKind.AUTH).tries_left == before - 1
    assert served.desk.enrolled(SUBJECT) is None
    assert not served.board.store.credentials_of(SUBJECT)
    # Nothing was spent: the same offer still works with the right PIN.
    with CardSession(emulated(card_dir)) as session:
        assert session.pin_status(PinKind.AUTH).tries_left == before - 1
        signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
        (got,) = receive(offer, served.client, tx_code=tx_code, card=signer)
    assert got.holder_mode == "card"
