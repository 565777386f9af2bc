"""Card mode with the in-process emulator: the credential names the card's auth key and
certificate, the KB-JWT is signed on the card (RS256) with its chain in ``x5c``.

The same story through the real PC/SC stack is tests/holder/pcsc (Done-when 3); this one
runs everywhere and covers the verifier's certificate checks.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from holder.card import auth_certificate, card_signer, present_on_card
from holder.present import present, x5c_of
from issuer.jose_forms import HolderBinding, issue_jose_credential
from jpki_bridge.emulator import CardState
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki, make_test_pki
from jpki_bridge.session import CardSession
from jpki_bridge.transport import InProcessTransport
from jpki_bridge.validation import TrustAnchors
from vc_core.di import default_verification_method
from vc_core.errors import CardError
from vc_core.jose import parse_jws
from vc_core.keys import generate_key
from vc_core.sdjwt import create_key_binding, parse_sd_jwt, select_disclosures
from vc_schemas.samples import sample_credential
from verifier.jose import JoseVerification, verify_jose

NONCE = "card-nonce-1"
AUDIENCE = "https://pharmacy.example"
ISSUER = generate_key("p256")


@pytest.fixture(scope="module")
def other_pki() -> TestPki:
    """Another person's card: other keys, other roots."""
    return make_test_pki()


@pytest.fixture
def other_card(tmp_path: Path, other_pki: TestPki) -> Iterator[CardSession]:
    directory = tmp_path / "other-card"
    CardState.provision(directory, other_pki)
    with CardSession(InProcessTransport.open(directory)) as opened:
        yield opened


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _issued(session: CardSession) -> str:
    return issue_jose_credential(
        sample_credential("yakuzaishi"),
        form="dc+sd-jwt",
        signer=ISSUER,
        kid=default_verification_method(ISSUER),
        now=_now() - timedelta(minutes=1),
        holder=HolderBinding.of_certificate(auth_certificate(session)),
    )


def _present(credential: str, session: CardSession, pki: TestPki, nonce: str = NONCE) -> str:
    signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
    return present_on_card(
        credential,
        disclose=["/licenseNumber", "/familyName"],
        signer=signer,
        nonce=nonce,
        audience=AUDIENCE,
        now=_now(),
    )


def _verify(presented: str, anchors: TrustAnchors | None = None) -> JoseVerification:
    return verify_jose(presented, now=_now(), nonce=NONCE, audience=AUDIENCE, card_anchors=anchors)


def _failed(result: JoseVerification) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


def test_card_bound_presentation_verifies_with_its_chain(
    session: CardSession, pki: TestPki
) -> None:
    credential = _issued(session)
    cnf = parse_jws(parse_sd_jwt(credential).jwt).payload["cnf"]
    assert cnf["jwk"]["kty"] == "RSA" and "x5t#S256" in cnf
    presented = _present(credential, session, pki)
    assert parse_jws(parse_sd_jwt(presented).kb_jwt or "").header["alg"] == "RS256"
    result = _verify(presented, TrustAnchors((pki.auth_ca_cert,)))
    assert result.verdict.verified, result.verdict.to_json()
    certificate = next(c for c in result.verdict.checks if c.name == "holder.certificate")
    assert certificate.ok is True
    assert result.claims is not None and result.claims["familyName"] == "見本"


def test_another_card_cannot_present_it(
    session: CardSession, other_card: CardSession, other_pki: TestPki, pki: TestPki
) -> None:
    credential = _issued(session)
    result = _verify(_present(credential, other_card, other_pki), TrustAnchors((pki.auth_ca_cert,)))
    assert _failed(result) == {"sd_jwt.key_binding": "kb.signature_invalid"}


def test_the_right_card_over_another_nonce_is_refused(session: CardSession, pki: TestPki) -> None:
    credential = _issued(session)
    result = _verify(_present(credential, session, pki, nonce="someone-elses-nonce"))
    assert _failed(result) == {"sd_jwt.key_binding": "kb.nonce_mismatch"}


def test_the_chain_must_reach_a_trusted_jpki_root(
    session: CardSession, pki: TestPki, other_pki: TestPki
) -> None:
    presented = _present(_issued(session), session, pki)
    result = _verify(presented, TrustAnchors((other_pki.auth_ca_cert,)))
    assert _failed(result) == {"holder.certificate": "card.chain_invalid"}


def test_without_x5c_the_certificate_cannot_be_validated(
    session: CardSession, pki: TestPki
) -> None:
    credential = _issued(session)
    signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
    bare = present(
        credential, disclose=[], signer=signer, nonce=NONCE, audience=AUDIENCE, now=_now()
    )
    assert _verify(bare).verdict.verified  # No JPKI roots configured: nothing to validate.
    result = _verify(bare, TrustAnchors((pki.auth_ca_cert,)))
    assert _failed(result) == {"holder.certificate": "kb.certificate_mismatch"}


def test_a_wrong_pin_is_spent_once_and_never_retried(session: CardSession, pki: TestPki) -> None:
    credential = _issued(session)
    signer = card_signer(session, Pin(PinKind.AUTH, "0000"))
    for _ in range(2):
        with pytest.raises(CardError) as caught:
            present_on_card(
                credential, disclose=[], signer=signer, nonce=NONCE, audience=AUDIENCE, now=_now()
            )
        assert caught.value.code == "card.pin_incorrect"
    assert session.pin_status(PinKind.AUTH).tries_left == 2
    with pytest.raises(ValueError, match="auth PIN"):
        card_signer(session, Pin(PinKind.SIGN, pki.sign_pin))


def test_attack5_a_garbage_certificate_in_x5c_is_a_coded_failure(
    session: CardSession, pki: TestPki
) -> None:
    """Issue 9, attack 5: a second x5c certificate that does not parse was a bare ValueError."""
    credential = _issued(session)
    signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
    leaf = x5c_of([auth_certificate(session)])[0]
    garbage = base64.b64encode(b"not a certificate").decode()
    bound = create_key_binding(
        select_disclosures(parse_sd_jwt(credential), ["/licenseNumber"]),
        signer,
        nonce=NONCE,
        audience=AUDIENCE,
        now=_now(),
        header={"x5c": [leaf, garbage]},
    )
    result = _verify(bound.compact(), TrustAnchors((pki.auth_ca_cert,)))
    assert _failed(result) == {"holder.certificate": "card.cert_invalid"}
