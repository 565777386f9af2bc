"""Enrolment with the (emulated) My Number Card: both modes, every refusal, and what is stored.

The card is jpki_bridge's in-process emulator with the test PKI; the board is a real board on
SQLite and PostgreSQL (``db_url``). A refusal leaves no enrolment row and no board event; a
stored row never holds the certificate, its serial, the four facts or the My Number.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import SecretStr
from sqlalchemy import text

from issuer.board import Board
from issuer.enrolment import ENROLMENT_ACTION, Enrolment, enrolment_purpose, facts_mismatches
from issuer.jose_forms import HolderBinding
from issuer.store import BoardEvent, subject_of
from jpki_bridge.certs import CertKind, four_facts, x5t_s256
from jpki_bridge.pki import TestPki, make_test_pki
from jpki_bridge.revocation import CrlSource
from jpki_bridge.validation import TrustAnchors
from tests.issuer.enrolment.conftest import (
    SECRET,
    SUBJECT,
    card_proof,
    crl_sources,
    emulated,
    holder_record,
)
from vc_core.errors import BoardError, CardError, ConfigError, ShikakuError
from vc_core.keys import generate_key, jwk_thumbprint, public_jwk


def desk(board: Board, anchors: TrustAnchors, sources: Any = (), **options: Any) -> Enrolment:
    return Enrolment(board, anchors, sources, SECRET, **options)


def rows(board: Board) -> list[dict[str, Any]]:
    with board.store.engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text("SELECT * FROM enrolments"))]


def enrolment_events(board: Board) -> list[BoardEvent]:
    return [e for e in board.store.events(subject_id=SUBJECT) if e.action == ENROLMENT_ACTION]


def assert_nothing_stored(board: Board) -> None:
    assert rows(board) == []
    assert enrolment_events(board) == []


# -- the two modes ----------------------------------------------------------------------------


def test_card_mode_binds_the_user_authentication_key(
    board: Board, anchors: TrustAnchors, card_dir: Path, pki: TestPki, tmp_path: Path
) -> None:
    enrolment = desk(board, anchors, crl_sources(pki, tmp_path))
    challenge = enrolment.challenge(SUBJECT)
    assert challenge.audience == "https://board.example.jp"
    assert challenge.purpose == enrolment_purpose(SUBJECT)
    enrolled = enrolment.enrol(SUBJECT, card_proof(emulated(card_dir), challenge), "card")
    assert enrolled.mode == "card"
    assert enrolled.card_key is CertKind.AUTH
    assert enrolled.holder == HolderBinding.of_certificate(pki.auth_cert)
    assert enrolled.holder.cnf()["x5t#S256"] == x5t_s256(pki.auth_cert)
    assert enrolment.binding_for(SUBJECT) == enrolled.holder
    [row] = rows(board)
    assert row["revocation"] == "good"
    [event] = enrolment_events(board)
    assert event.details == {
        "mode": "card",
        "holderKey": jwk_thumbprint(dict(enrolled.holder.jwk)),
        "cardKey": "auth",
    }


@pytest.mark.parametrize("key", [CertKind.AUTH, CertKind.SIGN])
def test_wallet_mode_binds_the_wallet_key_the_card_vouched_for(
    board: Board, anchors: TrustAnchors, card_dir: Path, key: CertKind
) -> None:
    enrolment = desk(board, anchors)
    wallet = public_jwk(generate_key("p256").public_key)
    challenge = enrolment.challenge(SUBJECT)
    proof = card_proof(emulated(card_dir), challenge, key=key, wallet_jwk=wallet)
    enrolled = enrolment.enrol(SUBJECT, proof, "wallet", wallet_jwk=wallet)
    assert enrolled.holder == HolderBinding(wallet)
    assert enrolled.holder.x5t_s256 is None
    assert enrolled.card_key is key
    assert enrolment.binding_for(SUBJECT, "wallet") == HolderBinding(wallet)
    assert enrolment.binding_for(SUBJECT, "card") is None
    [row] = rows(board)
    assert row["revocation"] == "not_checked"  # A development board with no source.


def test_the_stored_row_holds_no_certificate_serial_facts_or_my_number(
    board: Board, anchors: TrustAnchors, card_dir: Path, pki: TestPki
) -> None:
    enrolment = desk(board, anchors)
    wallet = public_jwk(generate_key("ed25519").public_key)
    for mode, key in (("card", CertKind.AUTH), ("wallet", CertKind.SIGN)):
        challenge = enrolment.challenge(SUBJECT)
        jwk = wallet if mode == "wallet" else None
        proof = card_proof(emulated(card_dir), challenge, key=key, wallet_jwk=jwk)
        enrolment.enrol(SUBJECT, proof, mode, wallet_jwk=jwk)  # type: ignore[arg-type]
    stored = json.dumps(rows(board), default=str, ensure_ascii=False)
    stored += json.dumps([e.details for e in board.store.events()], ensure_ascii=False)
    for cert in (pki.auth_cert, pki.sign_cert):
        der = cert.public_bytes(Encoding.DER)
        for form in (
            der.hex(),
            base64.b64encode(der).decode(),
            base64.urlsafe_b64encode(der).decode(),
        ):
            assert form[:64] not in stored
        assert str(cert.serial_number) not in stored
        assert format(cert.serial_number, "x") not in stored.lower()
    person = pki.person
    for secret in (person.my_number, person.address, person.name, person.name.split("\u3000")[0]):
        assert secret not in stored
    assert len(rows(board)) == 2
    # The link is the keyed hash: the same certificate gives the same link, and the link is
    # neither the certificate's plain hash nor something anyone without the secret can make.
    links = {r["card_key"]: r["link"] for r in rows(board)}
    assert links["auth"] != x5t_s256(pki.auth_cert)
    assert links["sign"] != x5t_s256(pki.sign_cert)


def test_enrolling_the_same_key_again_returns_the_first_enrolment(
    board: Board, anchors: TrustAnchors, card_dir: Path
) -> None:
    enrolment = desk(board, anchors)
    first = enrolment.enrol(
        SUBJECT, card_proof(emulated(card_dir), enrolment.challenge(SUBJECT)), "card"
    )
    again = enrolment.enrol(
        SUBJECT, card_proof(emulated(card_dir), enrolment.challenge(SUBJECT)), "card"
    )
    assert again == first
    assert len(rows(board)) == 1
    assert len(enrolment_events(board)) == 1


def test_the_four_facts_are_matched_to_the_register_record(pki: TestPki) -> None:
    facts = four_facts(pki.sign_cert)
    assert facts_mismatches(facts, holder_record(pki)) == ()
    # Width and spacing do not matter (NFKC, spaces removed); the characters do.
    assert facts_mismatches(facts, holder_record(pki, family_name=" 試験 ")) == ()
    assert facts_mismatches(facts, holder_record(pki, given_name="花")) == ("name",)
    born = holder_record(pki, date_of_birth=pki.person.birth_date + dt.timedelta(days=1))
    assert facts_mismatches(facts, born) == ("date_of_birth",)
    assert facts_mismatches(facts, holder_record(pki, sex="1")) == ("sex",)
    assert facts_mismatches(facts, holder_record(pki, sex=None)) == ()
    assert facts_mismatches(facts, holder_record(pki, sex="9")) == ()


# -- refusals ---------------------------------------------------------------------------------


def refused(excinfo: pytest.ExceptionInfo[ShikakuError], code: str) -> None:
    assert excinfo.value.code == code, excinfo.value


def test_a_nonce_used_twice_is_refused(board: Board, anchors: TrustAnchors, card_dir: Path) -> None:
    enrolment = desk(board, anchors)
    proof = card_proof(emulated(card_dir), enrolment.challenge(SUBJECT))
    enrolment.enrol(SUBJECT, proof, "card")
    before = rows(board)
    with pytest.raises(CardError) as raised:
        enrolment.enrol(SUBJECT, proof, "card")
    refused(raised, "card.nonce_reused")
    assert rows(board) == before


def test_a_nonce_the_board_never_issued_is_refused(
    board: Board, anchors: TrustAnchors, card_dir: Path
) -> None:
    enrolment = desk(board, anchors)
    challenge = enrolment.challenge(SUBJECT)
    forged = type(challenge)(
        "A" * 43, challenge.audience, challenge.purpose, challenge.issued_at, challenge.expires_at
    )
    with pytest.raises(CardError) as raised:
        enrolment.enrol(SUBJECT, card_proof(emulated(card_dir), forged), "card")
    refused(raised, "card.nonce_unknown")
    assert_nothing_stored(board)


def test_a_proof_for_another_subject_is_refused(
    board: Board, anchors: TrustAnchors, card_dir: Path, pki: TestPki
) -> None:
    other = subject_of("kangoshi", "7000002")
    board.store.put_record(holder_record(pki, license_number="7000002"), actor="import")
    enrolment = desk(board, anchors)
    proof = card_proof(emulated(card_dir), enrolment.challenge(other))
    with pytest.raises(CardError) as raised:
        enrolment.enrol(SUBJECT, proof, "card")
    refused(raised, "card.purpose_mismatch")
    assert_nothing_stored(board)


def _stranger_anchors(pki: TestPki, tmp_path: Path) -> tuple[TrustAnchors, list[CrlSource]]:
    stranger = make_test_pki(pki.person)
    return TrustAnchors((stranger.auth_ca_cert, stranger.sign_ca_cert)), []


def _revoked_by_crl(pki: TestPki, tmp_path: Path) -> tuple[TrustAnchors, list[CrlSource]]:
    revoked = {pki.auth_cert.serial_number: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)}
    return TrustAnchors((pki.auth_ca_cert,)), crl_sources(pki, tmp_path, revoked)


def _crl_missing(pki: TestPki, tmp_path: Path) -> tuple[TrustAnchors, list[CrlSource]]:
    return TrustAnchors((pki.auth_ca_cert,)), [CrlSource(tmp_path / "missing.crl")]


@pytest.mark.parametrize(
    ("configure", "code"),
    [
        (_stranger_anchors, "card.chain_invalid"),  # not chained to the board's roots
        (_revoked_by_crl, "card.cert_revoked"),
        (_crl_missing, "card.revocation_unavailable"),  # a source that cannot answer
    ],
)
def test_a_certificate_the_board_cannot_trust_is_refused(
    board: Board, card_dir: Path, pki: TestPki, *, tmp_path: Path, configure: Any, code: str
) -> None:
    anchors, sources = configure(pki, tmp_path)
    enrolment = desk(board, anchors, sources)
    proof = card_proof(emulated(card_dir), enrolment.challenge(SUBJECT))
    with pytest.raises(CardError) as raised:
        enrolment.enrol(SUBJECT, proof, "card")
    refused(raised, code)
    assert_nothing_stored(board)


def test_a_board_that_requires_revocation_needs_a_source(
    board: Board, anchors: TrustAnchors
) -> None:
    with pytest.raises(ConfigError) as raised:
        desk(board, anchors, (), revocation_required=True)
    refused(raised, "config.invalid")


def test_four_facts_that_do_not_match_the_record_are_refused(
    board: Board, anchors: TrustAnchors, card_dir: Path, pki: TestPki
) -> None:
    other = subject_of("kangoshi", "7000003")
    board.store.put_record(
        holder_record(pki, license_number="7000003", given_name="太郎", sex="1"), actor="import"
    )
    enrolment = desk(board, anchors)
    wallet = public_jwk(generate_key("p256").public_key)
    challenge = enrolment.challenge(other)
    proof = card_proof(emulated(card_dir), challenge, key=CertKind.SIGN, wallet_jwk=wallet)
    with pytest.raises(CardError) as raised:
        enrolment.enrol(other, proof, "wallet", wallet_jwk=wallet)
    refused(raised, "card.facts_mismatch")
    assert raised.value.details["fields"] == ["name", "sex"]
    assert "太郎" not in str(raised.value) and "花子" not in str(raised.value)
    assert rows(board) == []


def test_an_unknown_or_unissuable_subject_is_refused(
    board: Board, anchors: TrustAnchors, card_dir: Path
) -> None:
    enrolment = desk(board, anchors)
    with pytest.raises(BoardError) as unknown:
        enrolment.challenge(subject_of("kangoshi", "9999999"))
    refused(unknown, "board.record_unknown")
    challenge = enrolment.challenge(SUBJECT)
    proof = card_proof(emulated(card_dir), challenge)
    board.store.set_standing(SUBJECT, "revoked", BoardEvent("licence_revoked", "test", SUBJECT))
    with pytest.raises(BoardError) as revoked:
        enrolment.enrol(SUBJECT, proof, "card")
    refused(revoked, "board.not_issuable")
    assert_nothing_stored(board)


def test_the_wrong_wallet_key_or_mode_is_refused(
    board: Board, anchors: TrustAnchors, card_dir: Path
) -> None:
    enrolment = desk(board, anchors)
    wallet = public_jwk(generate_key("p256").public_key)
    other = public_jwk(generate_key("p256").public_key)
    challenge = enrolment.challenge(SUBJECT)
    proof = card_proof(emulated(card_dir), challenge, wallet_jwk=wallet)
    with pytest.raises(CardError) as swapped:
        enrolment.enrol(SUBJECT, proof, "wallet", wallet_jwk=other)
    refused(swapped, "card.wallet_key_mismatch")
    with pytest.raises(CardError) as as_card:
        enrolment.enrol(SUBJECT, proof, "card")
    refused(as_card, "card.wallet_key_mismatch")
    with pytest.raises(CardError) as no_key:
        enrolment.enrol(SUBJECT, proof, "wallet")
    refused(no_key, "card.wallet_key_mismatch")
    sign_proof = card_proof(emulated(card_dir), enrolment.challenge(SUBJECT), key=CertKind.SIGN)
    with pytest.raises(CardError) as sign_as_card:
        enrolment.enrol(SUBJECT, sign_proof, "card")
    refused(sign_as_card, "card.proof_malformed")
    # None of these spent the nonce: the right call still enrols.
    enrolment.enrol(SUBJECT, proof, "wallet", wallet_jwk=wallet)
    assert len(rows(board)) == 1


def test_from_settings_reads_anchors_sources_and_the_secret(
    board: Board, pki: TestPki, tmp_path: Path
) -> None:
    anchor = tmp_path / "roots.pem"
    anchor.write_bytes(
        pki.auth_ca_cert.public_bytes(Encoding.PEM) + pki.sign_ca_cert.public_bytes(Encoding.PEM)
    )
    crl_sources(pki, tmp_path)
    settings = board.settings.model_copy(
        update={
            "jpki_anchors": (anchor,),
            "jpki_crl": (str(tmp_path / "auth.crl"),),
            "enrolment_secret": SecretStr(SECRET),
        }
    )
    board.settings = settings
    enrolment = Enrolment.from_settings(board)
    assert len(enrolment.anchors.certificates) == 2
    assert [s.name for s in enrolment.revocation] == [f"crl:{tmp_path / 'auth.crl'}"]
    board.settings = settings.model_copy(update={"enrolment_secret": None})
    with pytest.raises(ConfigError):
        Enrolment.from_settings(board)


def test_two_enrolments_of_one_key_racing_store_one_row(
    board: Board, anchors: TrustAnchors, card_dir: Path
) -> None:
    enrolment = desk(board, anchors)
    proofs = [card_proof(emulated(card_dir), enrolment.challenge(SUBJECT)) for _ in range(4)]
    barrier = threading.Barrier(len(proofs))

    def enrol(proof: dict[str, Any]) -> Any:
        barrier.wait()
        return enrolment.enrol(SUBJECT, proof, "card")

    with ThreadPoolExecutor(len(proofs)) as pool:
        results = list(pool.map(enrol, proofs))
    assert all(r == results[0] for r in results)
    assert len(rows(board)) == 1
    assert len(enrolment_events(board)) == 1
