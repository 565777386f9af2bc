"""Done-when 3: binding proofs made on the (emulated) card, and every way they fail.

A good proof verifies; a wrong nonce, a reused nonce, an expired challenge, a
wrong audience, a certificate from another CA, an expired certificate, a
revoked certificate (by CRL and by OCSP) and a certificate without
digitalSignature each fail with their own code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from jpki_bridge.binding import (
    BindingProof,
    BindingResult,
    Challenge,
    create_proof,
    signed_message,
    verify_proof,
)
from jpki_bridge.certs import CertKind, Sex, rsa_public_key, x5t_s256
from jpki_bridge.emulator import CardState
from jpki_bridge.nonces import NonceStore, issue_challenge
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki, issue_person_certificate, make_test_pki
from jpki_bridge.revocation import CrlSource, OcspSource, RevocationStatus
from jpki_bridge.session import CardSession
from jpki_bridge.signer import CardSigner
from jpki_bridge.transport import InProcessTransport
from jpki_bridge.validation import TrustAnchors
from service_kit.db import create_engine
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import InMemoryNonceStore, SqlNonceStore
from tests.jpki_bridge.recording import RecordingTransport
from tests.jpki_bridge.responders import TestCa, serve
from vc_core.errors import CardError
from vc_core.keys import Signer, generate_key, public_jwk

ORIGIN = "https://board.example.jp"
PURPOSE = "issuance"
PINS = {CertKind.AUTH: Pin(PinKind.AUTH, "1234"), CertKind.SIGN: Pin(PinKind.SIGN, "ABC123")}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def anchors(pki: TestPki) -> TrustAnchors:
    return TrustAnchors((pki.auth_ca_cert, pki.sign_ca_cert))


@pytest.fixture
def nonces() -> NonceStore:
    return InMemoryNonceStore()


def card_proof(
    card_dir: Path,
    challenge: Challenge,
    *,
    key: CertKind = CertKind.AUTH,
    wallet_jwk: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The holder's side: the card signs the challenge; the proof goes out as JSON."""
    with CardSession(InProcessTransport.open(card_dir)) as session:
        signer = CardSigner(session, key, PINS[key])
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


def verify(
    proof: Mapping[str, Any],
    *,
    nonces: NonceStore,
    anchors: TrustAnchors,
    now: dt.datetime | None = None,
    **options: Any,
) -> BindingResult:
    settings: dict[str, Any] = {"audience": ORIGIN, "purpose": PURPOSE, **options}
    return verify_proof(proof, nonces=nonces, anchors=anchors, now=now or _now(), **settings)


def card_with(tmp_path: Path, pki: TestPki, name: str) -> Path:
    """A card provisioned with (possibly variant) certificates of ``pki``."""
    directory = tmp_path / name
    CardState.provision(directory, pki)
    return directory


def variant_auth_cert(pki: TestPki, **overrides: Any) -> x509.Certificate:
    settings: dict[str, Any] = {"issued": _now() - dt.timedelta(minutes=5), **overrides}
    return issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=pki.auth_ca_cert,
        ca_key=pki.auth_ca_key,
        key=pki.auth_key,
        **settings,
    )


def code_of(excinfo: pytest.ExceptionInfo[CardError]) -> str:
    return excinfo.value.code


# -- the good proofs --------------------------------------------------------------------------


def test_a_good_auth_proof_verifies(
    card_dir: Path, pki: TestPki, nonces: NonceStore, anchors: TrustAnchors
) -> None:
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    result = verify(card_proof(card_dir, challenge), nonces=nonces, anchors=anchors)
    assert result.x5t_s256 == x5t_s256(pki.auth_cert)
    assert result.kind is CertKind.AUTH
    assert result.four_facts is None
    assert result.revocation.status is RevocationStatus.NOT_CHECKED
    assert result.challenge == challenge


def test_a_sign_certificate_proof_returns_the_four_facts(
    card_dir: Path, pki: TestPki, nonces: NonceStore, anchors: TrustAnchors
) -> None:
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    proof = card_proof(card_dir, challenge, key=CertKind.SIGN)
    result = verify(proof, nonces=nonces, anchors=anchors)
    assert result.x5t_s256 == x5t_s256(pki.sign_cert)
    assert result.four_facts is not None
    assert result.four_facts.name == "試験\u3000花子"
    assert result.four_facts.birth_date.encode() == "419900102"
    assert result.four_facts.sex is Sex.FEMALE


def test_the_signed_bytes_are_as_documented(card_dir: Path, nonces: NonceStore) -> None:
    challenge = issue_challenge(nonces, "HTTPS://Board.Example.JP:443/", PURPOSE, now=_now())
    message = signed_message(challenge.audience, challenge.nonce, PURPOSE)
    assert message == (
        hashlib.sha256(b"https://board.example.jp").digest()
        + hashlib.sha256(challenge.nonce.encode()).digest()
        + b"issuance"
    )
    thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert signed_message(ORIGIN, challenge.nonce, "wallet-link", thumbprint).endswith(
        b"wallet-link:" + thumbprint.encode()
    )


def test_proofs_verify_with_a_sql_nonce_store(
    card_dir: Path, anchors: TrustAnchors, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'nonces.db'}")
    upgrade(engine, KIT_MIGRATIONS)
    store = SqlNonceStore(engine)
    challenge = issue_challenge(store, ORIGIN, PURPOSE, now=_now())
    proof = card_proof(card_dir, challenge)
    assert verify(proof, nonces=store, anchors=anchors).kind is CertKind.AUTH
    with pytest.raises(CardError) as caught:
        verify(proof, nonces=store, anchors=anchors)
    assert code_of(caught) == "card.nonce_reused"
    engine.dispose()


# -- Done-when 3: each failure with its own code ----------------------------------------------


@pytest.fixture
def failures(card_dir: Path, pki: TestPki, anchors: TrustAnchors, tmp_path: Path) -> dict[str, str]:
    """Run every failure scenario once; map scenario → the code it failed with."""
    found: dict[str, str] = {}
    nonces = InMemoryNonceStore()

    def attempt(name: str, proof: Mapping[str, Any], **options: Any) -> None:
        with pytest.raises(CardError) as caught:
            verify(proof, nonces=nonces, anchors=anchors, **options)
        found[name] = code_of(caught)

    # A wrong nonce: the card signed a nonce this verifier never issued.
    stranger = Challenge.new(ORIGIN, PURPOSE, now=_now())
    attempt("wrong nonce", card_proof(card_dir, stranger))
    # A reused nonce: the same good proof, twice.
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    proof = card_proof(card_dir, challenge)
    verify(proof, nonces=nonces, anchors=anchors)
    attempt("reused nonce", proof)
    # An expired challenge.
    old = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now(), ttl=dt.timedelta(seconds=30))
    attempt("expired challenge", card_proof(card_dir, old), now=_now() + dt.timedelta(minutes=1))
    # A wrong audience: a proof made for another origin, presented here.
    elsewhere = issue_challenge(nonces, "https://phish.example.com", PURPOSE, now=_now())
    attempt("wrong audience", card_proof(card_dir, elsewhere))
    # A certificate from another CA (same root DN, other key).
    other_card = card_with(tmp_path, make_test_pki(pki.person), "other-ca")
    attempt(
        "other CA", card_proof(other_card, issue_challenge(nonces, ORIGIN, PURPOSE, now=_now()))
    )
    # An expired certificate.
    expired = variant_auth_cert(
        pki, issued=_now() - dt.timedelta(days=2000), not_after=_now() - dt.timedelta(days=1)
    )
    expired_card = card_with(tmp_path, pki.replace(auth_cert=expired), "expired")
    attempt(
        "expired cert",
        card_proof(expired_card, issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())),
    )
    # A certificate without digitalSignature.
    usage = x509.KeyUsage(False, True, False, False, False, False, False, False, False)
    no_sign_card = card_with(
        tmp_path, pki.replace(auth_cert=variant_auth_cert(pki, key_usage=usage)), "no-ds"
    )
    attempt(
        "no digitalSignature",
        card_proof(no_sign_card, issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())),
    )
    # A revoked certificate, by CRL and by OCSP, from the test CA the tests run.
    revoked = variant_auth_cert(pki)
    revoked_card = card_with(tmp_path, pki.replace(auth_cert=revoked), "revoked")
    ca = TestCa(pki.auth_ca_cert, pki.auth_ca_key)
    ca.known[revoked.serial_number] = revoked
    ca.revoked[revoked.serial_number] = _now() - dt.timedelta(minutes=1)
    ca.publish_crl(now=_now())
    with serve(ca) as url:
        for name, source in (
            ("revoked by CRL", CrlSource(f"{url}/crl")),
            ("revoked by OCSP", OcspSource(f"{url}/ocsp")),
        ):
            challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
            attempt(name, card_proof(revoked_card, challenge), revocation=[source])
    # The wrong purpose.
    login = issue_challenge(nonces, ORIGIN, "login", now=_now())
    attempt("wrong purpose", card_proof(card_dir, login))
    return found


def test_each_failure_has_its_own_code(failures: dict[str, str]) -> None:
    assert failures == {
        "wrong nonce": "card.nonce_unknown",
        "reused nonce": "card.nonce_reused",
        "expired challenge": "card.challenge_expired",
        "wrong audience": "card.audience_mismatch",
        "other CA": "card.chain_invalid",
        "expired cert": "card.cert_expired",
        "no digitalSignature": "card.key_usage",
        "revoked by CRL": "card.cert_revoked",
        "revoked by OCSP": "card.cert_revoked",
        "wrong purpose": "card.purpose_mismatch",
    }
    # Apart from the two revocation sources, no two failures share a code.
    codes = [code for name, code in failures.items() if name != "revoked by OCSP"]
    assert len(set(codes)) == len(codes)


def test_a_good_certificate_is_good_by_crl_and_ocsp(
    card_dir: Path, pki: TestPki, nonces: NonceStore, anchors: TrustAnchors
) -> None:
    ca = TestCa(pki.auth_ca_cert, pki.auth_ca_key)
    ca.known[pki.auth_cert.serial_number] = pki.auth_cert
    ca.publish_crl(now=_now())
    with serve(ca) as url:
        for source in (CrlSource(f"{url}/crl"), OcspSource(f"{url}/ocsp")):
            challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
            proof = card_proof(card_dir, challenge)
            result = verify(proof, nonces=nonces, anchors=anchors, revocation=[source])
            assert result.revocation.status is RevocationStatus.GOOD
            assert result.revocation.source == source.name


def test_an_unavailable_revocation_source_is_not_good(
    card_dir: Path, nonces: NonceStore, anchors: TrustAnchors, tmp_path: Path
) -> None:
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    proof = card_proof(card_dir, challenge)
    with pytest.raises(CardError) as caught:
        verify(proof, nonces=nonces, anchors=anchors, revocation=[CrlSource(tmp_path / "none")])
    assert code_of(caught) == "card.revocation_unavailable"
    # The failed attempt did not use the nonce up: only a proof that passed every check does.
    assert verify(proof, nonces=nonces, anchors=anchors).kind is CertKind.AUTH


# -- tampering ---------------------------------------------------------------------------------


def test_tampered_proofs_fail(card_dir: Path, nonces: NonceStore, anchors: TrustAnchors) -> None:
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    good = card_proof(card_dir, challenge)
    # The audience edited to this verifier's: the signature covers the real one.
    elsewhere = issue_challenge(nonces, "https://phish.example.com", PURPOSE, now=_now())
    relabelled = {**card_proof(card_dir, elsewhere), "audience": ORIGIN}
    with pytest.raises(CardError) as caught:
        verify(relabelled, nonces=nonces, anchors=anchors)
    assert code_of(caught) == "card.signature_invalid"
    # A flipped signature bit.
    signature = BindingProof.from_json(good).signature
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    forged = BindingProof.from_json(good).to_json()
    forged["signature"] = BindingProof(
        CertKind.AUTH, challenge.nonce, ORIGIN, PURPOSE, flipped, ()
    ).to_json()["signature"]
    with pytest.raises(CardError) as caught:
        verify(forged, nonces=nonces, anchors=anchors)
    assert code_of(caught) == "card.signature_invalid"
    # The sign key claimed for an auth certificate.
    with pytest.raises(CardError) as caught:
        verify({**good, "key": "sign"}, nonces=nonces, anchors=anchors)
    assert code_of(caught) == "card.policy"
    # The untouched proof still verifies: none of the failures used its nonce.
    assert verify(good, nonces=nonces, anchors=anchors).kind is CertKind.AUTH


@pytest.mark.parametrize(
    "change",
    [
        {"type": "Other"},
        {"alg": "ES256"},
        {"key": "other"},
        {"x5c": []},
        {"x5c": ["not base64!"]},
        {"x5c": ["AAAA"]},
        {"signature": "+/+/"},
        {"nonce": "short"},
        {"audience": "ftp://board.example.jp"},
    ],
)
def test_malformed_proofs(
    change: dict[str, Any], card_dir: Path, nonces: NonceStore, anchors: TrustAnchors
) -> None:
    challenge = issue_challenge(nonces, ORIGIN, PURPOSE, now=_now())
    proof = {**card_proof(card_dir, challenge), **change}
    with pytest.raises(CardError) as caught:
        verify(proof, nonces=nonces, anchors=anchors)
    assert code_of(caught) == "card.proof_malformed"


# -- wallet mode -------------------------------------------------------------------------------


def test_wallet_mode_binds_the_wallet_key(
    card_dir: Path, nonces: NonceStore, anchors: TrustAnchors
) -> None:
    wallet = public_jwk(generate_key("p256").public_key)
    other_wallet = public_jwk(generate_key("p256").public_key)
    challenge = issue_challenge(nonces, ORIGIN, "wallet-link", now=_now())
    proof = card_proof(card_dir, challenge, wallet_jwk=wallet)
    for expected, code in (
        (other_wallet, "card.wallet_key_mismatch"),
        (None, "card.wallet_key_mismatch"),
    ):
        with pytest.raises(CardError) as caught:
            verify(
                proof, nonces=nonces, anchors=anchors, purpose="wallet-link", wallet_jwk=expected
            )
        assert code_of(caught) == code
    # A thumbprint swapped in the JSON does not match what the card signed.
    swapped = {
        **proof,
        "wallet_jwk_thumbprint": BindingProof.from_json(
            card_proof(card_dir, challenge, wallet_jwk=other_wallet)
        ).wallet_jwk_thumbprint,
    }
    with pytest.raises(CardError) as caught:
        verify(
            swapped, nonces=nonces, anchors=anchors, purpose="wallet-link", wallet_jwk=other_wallet
        )
    assert code_of(caught) == "card.signature_invalid"
    result = verify(proof, nonces=nonces, anchors=anchors, purpose="wallet-link", wallet_jwk=wallet)
    assert result.wallet_jwk_thumbprint == BindingProof.from_json(proof).wallet_jwk_thumbprint


# -- the card signer ---------------------------------------------------------------------------


def test_card_signer_is_a_signer_and_never_resends_a_wrong_pin(
    card_dir: Path, pki: TestPki
) -> None:
    transport = RecordingTransport(InProcessTransport.open(card_dir))
    with CardSession(transport) as session:
        signer = CardSigner(session, CertKind.AUTH, Pin(PinKind.AUTH, "0000"))
        assert isinstance(signer, Signer)
        assert signer.algorithm == "RS256"
        assert signer.public_key == rsa_public_key(pki.auth_cert)
        for _ in range(3):
            with pytest.raises(CardError) as caught:
                signer.sign(b"payload")
            assert code_of(caught) == "card.pin_incorrect"
            assert caught.value.details["retries_left"] == 2
        assert transport.verifies_with_data() == 1
        assert session.pin_status(PinKind.AUTH).tries_left == 2
        assert "0000" not in repr(signer)
        with pytest.raises(ValueError):
            CardSigner(session, CertKind.SIGN, Pin(PinKind.AUTH, "1234"))
