"""Done-when 2: tampering with a presented SD-JWT VC is rejected, each kind with its code.

The credential is a real one: the 医師 (physician) sample of the catalogue, issued as
``dc+sd-jwt`` bound to a wallet key, presented with four claims (one an element of the
``completedTraining`` array, a recursive disclosure) and a KB-JWT, and verified by the full
verifier pipeline (:func:`verifier.jose.verify_jose`).

Where the holder (who has the key) could re-sign the KB-JWT over a tampered presentation,
the property is tested both ways: re-signed, exactly one check fails, with the code of that
tampering; not re-signed, the KB-JWT's ``sd_hash`` fails as well. The codes:

==========================================  ==============================================
tampering                                   failed check: code
==========================================  ==============================================
change a disclosure                         ``sd_jwt.disclosures``: ``disclosure_unreferenced``
                                            (or ``disclosure_malformed`` when it no longer
                                            decodes)
add a disclosure                            ``sd_jwt.disclosures``: ``disclosure_unreferenced``
duplicate a disclosure                      ``sd_jwt.disclosures``: ``disclosure_duplicate``
change the issuer-signed payload            ``sd_jwt.issuer_signature``: ``signature_invalid``
change the issuer signature                 ``sd_jwt.issuer_signature``: ``signature_invalid``
change the KB-JWT                           ``sd_jwt.key_binding``: ``kb.signature_invalid``
replay the KB-JWT for another nonce         ``sd_jwt.key_binding``: ``kb.nonce_mismatch``
replay the KB-JWT for another audience      ``sd_jwt.key_binding``: ``kb.audience_mismatch``
==========================================  ==============================================

(A changed and an added disclosure look the same to a verifier — a disclosure whose digest
the issuer never signed — as do a changed payload and a changed signature.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from holder.present import present
from issuer.jose_forms import HolderBinding, TokenStatus, issue_jose_credential
from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.di import default_verification_method
from vc_core.jose import encode_json
from vc_core.keys import generate_key
from vc_core.sdjwt import (
    SdJwt,
    create_key_binding,
    issue_sd_jwt,
    make_disclosure,
    parse_disclosure,
    parse_sd_jwt,
    select_disclosures,
    verify_sd_jwt,
)
from vc_schemas.samples import sample_credential
from verifier.jose import JoseVerification, verify_jose

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NONCE = "c1d8b1f0-nonce"
AUDIENCE = "https://hospital.example/verify"
ISSUER = generate_key("p256")
HOLDER = generate_key("p256")
KID = default_verification_method(ISSUER)
ISSUED = issue_jose_credential(
    sample_credential("ishi"),
    form="dc+sd-jwt",
    signer=ISSUER,
    kid=KID,
    now=NOW - timedelta(days=1),
    holder=HolderBinding.of_key(HOLDER.public_key),
    status=TokenStatus("https://status.example/lists/1", 4711),
)
DISCLOSE = ["/licenseNumber", "/familyName", "/givenName", "/completedTraining/1"]
PRESENTED = parse_sd_jwt(
    present(ISSUED, disclose=DISCLOSE, signer=HOLDER, nonce=NONCE, audience=AUDIENCE, now=NOW)
)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
EXAMPLES = settings(max_examples=60, deadline=None)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _verify(sd_jwt: SdJwt, *, nonce: str = NONCE, audience: str = AUDIENCE) -> JoseVerification:
    return verify_jose(sd_jwt.compact(), now=NOW, nonce=nonce, audience=audience)


def _failed(result: JoseVerification) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


def _resigned(sd_jwt: SdJwt) -> SdJwt:
    """The holder (who has the key) binding the tampered presentation anew."""
    return create_key_binding(sd_jwt, HOLDER, nonce=NONCE, audience=AUDIENCE, now=NOW)


def _kept_kb(sd_jwt: SdJwt) -> SdJwt:
    """The tampered presentation with the original KB-JWT."""
    return SdJwt(sd_jwt.jwt, sd_jwt.disclosures, PRESENTED.kb_jwt)


def _flip(text: str, position: int, replacement: str) -> str:
    index = position % len(text)
    if text[index] == replacement:
        replacement = "A" if replacement != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


def test_the_untampered_presentation_verifies() -> None:
    result = _verify(PRESENTED)
    assert result.verdict.verified, result.verdict.to_json()
    assert result.claims is not None
    assert result.claims["completedTraining"] == ["saikyoiku-kenshu"]
    assert "dateOfBirth" not in result.claims


@EXAMPLES
@given(index=st.integers(min_value=0), value=JSON_VALUES)
def test_changing_a_disclosed_value_is_rejected(index: int, value: Any) -> None:
    disclosures = list(PRESENTED.disclosures)
    original = parse_disclosure(disclosures[index % len(disclosures)])
    changed = make_disclosure(original.salt, original.name, value)
    if changed.encoded == original.encoded:
        return  # The same value: nothing was changed.
    disclosures[index % len(disclosures)] = changed.encoded
    tampered = PRESENTED.with_disclosures(disclosures)
    assert _failed(_verify(_resigned(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_unreferenced"
    }
    assert _failed(_verify(_kept_kb(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_unreferenced",
        "sd_jwt.key_binding": "kb.sd_hash_mismatch",
    }


@EXAMPLES
@given(
    index=st.integers(min_value=0), position=st.integers(min_value=0), char=st.sampled_from(B64URL)
)
def test_changing_any_character_of_any_disclosure_is_rejected(
    index: int, position: int, char: str
) -> None:
    disclosures = list(PRESENTED.disclosures)
    i = index % len(disclosures)
    disclosures[i] = _flip(disclosures[i], position, char)
    tampered = PRESENTED.with_disclosures(disclosures)
    failed = _failed(_verify(_resigned(tampered)))
    assert failed in (
        {"sd_jwt.disclosures": "sdjwt.disclosure_unreferenced"},
        {"sd_jwt.disclosures": "sdjwt.disclosure_malformed"},
    )
    assert _failed(_verify(_kept_kb(tampered)))["sd_jwt.key_binding"] == "kb.sd_hash_mismatch"


@EXAMPLES
@given(
    position=st.integers(min_value=0),
    salt=st.binary(min_size=16, max_size=16),
    name=st.text(min_size=1, max_size=20).filter(lambda n: n not in ("_sd", "...")),
    value=JSON_VALUES,
    element=st.booleans(),
)
def test_adding_a_disclosure_is_rejected(
    position: int, salt: bytes, name: str, value: Any, element: bool
) -> None:
    added = make_disclosure(b64url_encode(salt), None if element else name, value).encoded
    disclosures = list(PRESENTED.disclosures)
    disclosures.insert(position % (len(disclosures) + 1), added)
    tampered = PRESENTED.with_disclosures(disclosures)
    assert _failed(_verify(_resigned(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_unreferenced"
    }


def test_adding_a_genuine_disclosure_of_another_credential_is_rejected() -> None:
    other = issue_jose_credential(
        sample_credential("ishi"),
        form="dc+sd-jwt",
        signer=ISSUER,
        kid=KID,
        now=NOW - timedelta(days=1),
        holder=HolderBinding.of_key(HOLDER.public_key),
    )
    borrowed = select_disclosures(parse_sd_jwt(other), ["/dateOfBirth"]).disclosures
    tampered = PRESENTED.with_disclosures([*PRESENTED.disclosures, *borrowed])
    assert _failed(_verify(_resigned(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_unreferenced"
    }


@EXAMPLES
@given(index=st.integers(min_value=0), position=st.integers(min_value=0))
def test_duplicating_a_disclosure_is_rejected(index: int, position: int) -> None:
    disclosures = list(PRESENTED.disclosures)
    copy = disclosures[index % len(disclosures)]
    disclosures.insert(position % (len(disclosures) + 1), copy)
    tampered = PRESENTED.with_disclosures(disclosures)
    assert _failed(_verify(_resigned(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_duplicate"
    }
    assert _failed(_verify(_kept_kb(tampered))) == {
        "sd_jwt.disclosures": "sdjwt.disclosure_duplicate",
        "sd_jwt.key_binding": "kb.sd_hash_mismatch",
    }


@EXAMPLES
@given(data=st.data(), value=JSON_VALUES)
def test_changing_the_issuer_signed_payload_is_rejected(data: st.DataObject, value: Any) -> None:
    header, payload_b64, signature = PRESENTED.jwt.split(".")
    payload = json.loads(b64url_decode(payload_b64))
    key = data.draw(st.sampled_from([*sorted(payload), "licenseNumber", "extra"]))
    if payload.get(key, object()) == value:
        return  # Nothing changed.
    payload[key] = value
    forged = f"{header}.{b64url_encode(encode_json(payload))}.{signature}"
    tampered = SdJwt(forged, PRESENTED.disclosures)
    result = _verify(_resigned(tampered))
    assert not result.verdict.verified and result.claims is None
    assert _failed(result)["sd_jwt.issuer_signature"] == "jose.signature_invalid"


@EXAMPLES
@given(position=st.integers(min_value=0), char=st.sampled_from(B64URL))
def test_changing_the_issuer_signature_is_rejected(position: int, char: str) -> None:
    header, payload, signature = PRESENTED.jwt.split(".")
    # The last character carries padding bits only some values of which are canonical.
    flipped = _flip(signature[:-1], position, char) + signature[-1]
    tampered = SdJwt(f"{header}.{payload}.{flipped}", PRESENTED.disclosures)
    assert _failed(_verify(_resigned(tampered))) == {
        "sd_jwt.issuer_signature": "jose.signature_invalid"
    }
    assert _failed(_verify(_kept_kb(tampered))) == {
        "sd_jwt.issuer_signature": "jose.signature_invalid",
        "sd_jwt.key_binding": "kb.sd_hash_mismatch",
    }


@EXAMPLES
@given(position=st.integers(min_value=0), char=st.sampled_from(B64URL))
def test_changing_the_kb_jwt_signature_is_rejected(position: int, char: str) -> None:
    assert PRESENTED.kb_jwt is not None
    header, payload, signature = PRESENTED.kb_jwt.split(".")
    flipped = _flip(signature[:-1], position, char) + signature[-1]
    tampered = SdJwt(PRESENTED.jwt, PRESENTED.disclosures, f"{header}.{payload}.{flipped}")
    assert _failed(_verify(tampered)) == {"sd_jwt.key_binding": "kb.signature_invalid"}


@EXAMPLES
@given(claim=st.sampled_from(["nonce", "aud", "iat", "sd_hash", "extra"]), value=JSON_VALUES)
def test_changing_a_kb_jwt_claim_is_rejected(claim: str, value: Any) -> None:
    assert PRESENTED.kb_jwt is not None
    header, payload_b64, signature = PRESENTED.kb_jwt.split(".")
    payload = json.loads(b64url_decode(payload_b64))
    if payload.get(claim, object()) == value:
        return
    payload[claim] = value
    forged = f"{header}.{b64url_encode(encode_json(payload))}.{signature}"
    tampered = SdJwt(PRESENTED.jwt, PRESENTED.disclosures, forged)
    assert _failed(_verify(tampered)) == {"sd_jwt.key_binding": "kb.signature_invalid"}


@EXAMPLES
@given(nonce=st.text(min_size=1, max_size=40))
def test_replaying_the_kb_jwt_with_another_nonce_is_rejected(nonce: str) -> None:
    assume(nonce != NONCE)
    assert _failed(_verify(PRESENTED, nonce=nonce)) == {"sd_jwt.key_binding": "kb.nonce_mismatch"}


@EXAMPLES
@given(audience=st.text(min_size=1, max_size=60))
def test_replaying_the_kb_jwt_for_another_audience_is_rejected(audience: str) -> None:
    assume(audience != AUDIENCE)
    assert _failed(_verify(PRESENTED, audience=audience)) == {
        "sd_jwt.key_binding": "kb.audience_mismatch"
    }


def test_a_kb_jwt_by_another_key_is_rejected() -> None:
    forged = create_key_binding(
        PRESENTED, generate_key("p256"), nonce=NONCE, audience=AUDIENCE, now=NOW
    )
    assert _failed(_verify(forged)) == {"sd_jwt.key_binding": "kb.signature_invalid"}


# -- Round trip over arbitrary claims --------------------------------------------------------


def _paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*path, key))
            found.extend(_paths(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((*path, str(index)))
            found.extend(_paths(child, (*path, str(index))))
    return found


def _pointer(path: tuple[str, ...]) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


CLAIM_NAMES = st.text(min_size=1, max_size=8).filter(lambda n: n not in ("_sd", "_sd_alg"))
# At the top level, names the verifier itself interprets (RFC 7519 §4.1, RFC 7800, SD-JWT VC)
# are not application claims: {"iat": null} is rightly refused.
_REGISTERED = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "status", "vct"}
CLAIMS = st.dictionaries(
    CLAIM_NAMES.filter(lambda n: n not in _REGISTERED),
    st.recursive(
        st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CLAIM_NAMES, inner, max_size=3),
        max_leaves=8,
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=80, deadline=None)
@given(claims=CLAIMS, data=st.data())
def test_any_claims_concealed_anywhere_come_back_whole(
    claims: dict[str, Any], data: st.DataObject
) -> None:
    paths = _paths(claims)
    chosen = data.draw(st.lists(st.sampled_from(paths), unique=True)) if paths else []
    issued = issue_sd_jwt(claims, [_pointer(p) for p in chosen], ISSUER, typ="example+sd-jwt")
    result = verify_sd_jwt(issued, typ=["example+sd-jwt"], now=NOW, issuer_key=ISSUER.public_key)
    assert result.verdict.verified, result.verdict.to_json()
    assert result.claims == claims
    # With nothing presented, nothing concealed is disclosed and the rest verifies.
    bare = verify_sd_jwt(
        issued.with_disclosures([]), typ=["example+sd-jwt"], now=NOW, issuer_key=ISSUER.public_key
    )
    assert bare.verdict.verified
    assert bare.claims is not None
    hidden_top = {p[0] for p in chosen if len(p) == 1}
    assert set(bare.claims) == set(claims) - hidden_top
