"""SD-JWT issuing, presenting and processing rules, one rule per test (RFC 9901).

Hostile payloads are signed by a test issuer so that each reaches the rule it tests
(§7.1 step 3): a verifier must refuse them even with a valid issuer signature.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_core.codecs import b64url_encode
from vc_core.did import did_key_from_public_key
from vc_core.errors import SdJwtError, SelectionError, ShikakuError
from vc_core.jose import sign_jws
from vc_core.jose.jws import encode_json
from vc_core.keys import SoftwareKey, generate_key, public_jwk
from vc_core.sdjwt import (
    DC_SD_JWT,
    NO_DECOYS,
    Decoys,
    KeyBindingRequest,
    SdJwt,
    SdJwtVerification,
    conceal,
    create_key_binding,
    did_issuer_key,
    disclosure_paths,
    issue_sd_jwt,
    issue_sd_jwt_vc,
    make_disclosure,
    parse_disclosure,
    parse_sd_jwt,
    sd_jwt_vc_check,
    select_disclosures,
    verify_sd_jwt,
)
from vc_core.sdjwt.process import MAX_DEPTH

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TYP = "example+sd-jwt"
ISSUER = generate_key("p256")
HOLDER = generate_key("p256")
CLAIMS: dict[str, Any] = {
    "iss": "https://issuer.example",
    "iat": int(NOW.timestamp()) - 60,
    "cnf": {"jwk": public_jwk(HOLDER.public_key)},
    "given_name": "花子",
    "address": {"street": "1-1", "city": "千代田区"},
    "nationalities": ["JP", "US"],
}
POINTERS = ["/given_name", "/address", "/address/street", "/nationalities/1"]


def _verify(
    presented: str | SdJwt, *, key_binding: KeyBindingRequest | None = None, **kwargs: Any
) -> SdJwtVerification:
    options: dict[str, Any] = {"typ": [TYP], "now": NOW, "issuer_key": ISSUER.public_key}
    options.update(kwargs)
    return verify_sd_jwt(presented, key_binding=key_binding, **options)


def _failed(result: SdJwtVerification) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


def _signed(payload: dict[str, Any], disclosures: list[str], typ: str = TYP) -> SdJwt:
    return SdJwt(sign_jws({"typ": typ}, payload, ISSUER), tuple(disclosures))


def _code(action: Callable[[], Any]) -> str:
    with pytest.raises(ShikakuError) as caught:
        action()
    return caught.value.code


# -- Issuing ---------------------------------------------------------------------------------


def test_issued_payload_hides_each_concealed_claim_and_sorts_digests() -> None:
    payload, disclosures = conceal(CLAIMS, POINTERS, decoys=NO_DECOYS)
    assert payload["_sd_alg"] == "sha-256"
    assert "given_name" not in payload and "address" not in payload
    assert payload["_sd"] == sorted(payload["_sd"])
    assert payload["nationalities"][0] == "JP"
    assert set(payload["nationalities"][1]) == {"..."}
    by_name = {d.name: d for d in disclosures}
    # Recursive: the address Disclosure's own value conceals its street.
    assert "street" not in by_name["address"].value
    assert by_name["street"].digest in by_name["address"].value["_sd"]
    assert by_name["address"].value["city"] == "千代田区"


def test_decoys_are_random_in_number_and_match_no_disclosure() -> None:
    counts = set()
    for _ in range(40):
        payload, disclosures = conceal(CLAIMS, POINTERS, decoys=Decoys(1, 4))
        real = {d.digest for d in disclosures}
        top_decoys = [d for d in payload["_sd"] if d not in real]
        array_decoys = [e for e in payload["nationalities"] if isinstance(e, dict)]
        assert 1 <= len(top_decoys) <= 4
        assert 2 <= len(array_decoys) <= 5  # One real element digest plus its decoys.
        counts.add(len(top_decoys))
    assert len(counts) > 1


def test_salts_are_128_bit_and_fresh() -> None:
    _payload, first = conceal(CLAIMS, ["/given_name"], decoys=NO_DECOYS)
    _payload, second = conceal(CLAIMS, ["/given_name"], decoys=NO_DECOYS)
    assert len(first[0].salt) == 22 and first[0].salt != second[0].salt
    assert first[0].digest != second[0].digest


@pytest.mark.parametrize(
    ("claims", "pointers", "code"),
    [
        ({"a": 1}, ["/b"], "selection.pointer_invalid"),
        ({"a": [1]}, ["/a/1"], "selection.pointer_invalid"),
        ({"a": 1}, [""], "selection.pointer_invalid"),
        ({"a": 1}, ["/a~2"], "selection.pointer_invalid"),
        ({"_sd": []}, [], "sdjwt.claim_conflict"),
        ({"a": {"_sd_alg": "x"}}, ["/a"], "sdjwt.claim_conflict"),
        ({"a": [{"...": "x"}]}, [], "sdjwt.claim_conflict"),
        # Deep inside what is not concealed, too.
        ({"a": {"b": {"_sd": 1}}, "c": 1}, ["/c"], "sdjwt.claim_conflict"),
        ({"a": {"b": [[{"...": 1}]]}, "c": 1}, ["/c"], "sdjwt.claim_conflict"),
    ],
)
def test_issuing_refuses_what_it_cannot_conceal(
    claims: dict[str, Any], pointers: list[str], code: str
) -> None:
    assert _code(lambda: conceal(claims, pointers)) == code


def test_sd_jwt_vc_keeps_registered_claims_visible() -> None:
    claims = {"vct": "urn:example:1", "iss": "https://i.example", "name": "x"}
    for pointer in ("/iss", "/vct", "/cnf/jwk", "/status"):
        assert _code(partial(issue_sd_jwt_vc, claims, [pointer], ISSUER)) == (
            "sdjwt.claim_not_disclosable"
        )
    assert _code(lambda: issue_sd_jwt_vc({"iss": "x"}, [], ISSUER)) == "sdjwt.vct_invalid"
    issued = issue_sd_jwt_vc(claims, ["/name"], ISSUER)
    result = _verify(issued, typ=[DC_SD_JWT], extra_checks=[sd_jwt_vc_check()])
    assert result.verdict.verified, result.verdict.to_json()


def test_a_verifier_refuses_an_sd_jwt_vc_that_concealed_exp_or_vct() -> None:
    claims = {"vct": "urn:example:1", "exp": int(NOW.timestamp()) + 99, "name": "x"}
    hidden_exp = issue_sd_jwt(claims, ["/exp"], ISSUER, typ=DC_SD_JWT)
    result = _verify(hidden_exp, typ=[DC_SD_JWT], extra_checks=[sd_jwt_vc_check()])
    assert _failed(result) == {"sd_jwt_vc.claims": "sdjwt.claim_not_disclosable"}
    hidden_vct = issue_sd_jwt(claims, ["/vct"], ISSUER, typ=DC_SD_JWT)
    result = _verify(hidden_vct, typ=[DC_SD_JWT], extra_checks=[sd_jwt_vc_check()])
    assert _failed(result) == {"sd_jwt_vc.claims": "sdjwt.vct_invalid"}
    other = issue_sd_jwt_vc(claims, [], ISSUER)
    result = _verify(other, typ=[DC_SD_JWT], extra_checks=[sd_jwt_vc_check({"urn:x"})])
    assert _failed(result) == {"sd_jwt_vc.claims": "sdjwt.vct_invalid"}


# -- Presenting ------------------------------------------------------------------------------


def test_holder_presents_a_nested_claim_with_its_parent_only() -> None:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP)
    presented = select_disclosures(issued, ["/address/street"])
    assert len(presented.disclosures) == 2
    result = _verify(presented.compact())
    assert result.claims is not None
    assert result.claims["address"] == {"street": "1-1", "city": "千代田区"}
    assert "given_name" not in result.claims
    assert result.claims["nationalities"] == ["JP"]


def test_holder_presents_a_whole_object_or_only_its_open_part() -> None:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP)
    whole = _verify(select_disclosures(issued, ["/address"]))
    assert whole.claims is not None and whole.claims["address"]["street"] == "1-1"
    part = _verify(select_disclosures(issued, ["/address"], whole=False))
    assert part.claims is not None and part.claims["address"] == {"city": "千代田区"}


def test_holder_presents_an_array_element_by_its_index() -> None:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP, decoys=Decoys(3, 3))
    result = _verify(select_disclosures(issued, ["/nationalities/1"]))
    assert result.claims is not None and result.claims["nationalities"] == ["JP", "US"]
    assert disclosure_paths(issued).claims["nationalities"] == ["JP", "US"]


def test_holder_cannot_name_a_claim_that_is_not_there() -> None:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP)
    with pytest.raises(SelectionError):
        select_disclosures(issued, ["/family_name"])
    with pytest.raises(SelectionError):
        select_disclosures(issued, ["/nationalities/2"])


# -- Serialization ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["no-tilde", "jwt~~d~", "~d~", ""])
def test_malformed_serializations(text: str) -> None:
    assert _code(lambda: parse_sd_jwt(text)) == "sdjwt.malformed"
    assert _failed(_verify(text)) == {"sd_jwt.format": "sdjwt.malformed"}


def test_json_serialization_moves_disclosures_into_the_first_header_only() -> None:
    document = {
        "payload": "e30",
        "signatures": [
            {"protected": "e30", "signature": "AA"},
            {"protected": "e30", "signature": "AA", "header": {"disclosures": []}},
        ],
    }
    assert _code(lambda: parse_sd_jwt(document)) == "sdjwt.malformed"


# -- Processing (§7.1 step 3) ----------------------------------------------------------------


def test_unknown_sd_alg_is_refused() -> None:
    sd_jwt = _signed({"_sd_alg": "sha-512", "iat": 1}, [])
    assert _failed(_verify(sd_jwt)) == {"sd_jwt.disclosures": "sdjwt.sd_alg_unsupported"}


@pytest.mark.parametrize(
    "payload",
    [{"_sd": "digest"}, {"_sd": [1]}, {"a": [{"...": "d", "x": 1}]}, {"a": [{"...": 7}]}],
)
def test_misshaped_digests_are_refused(payload: dict[str, Any]) -> None:
    assert _failed(_verify(_signed(payload, []))) == {
        "sd_jwt.disclosures": "sdjwt.payload_malformed"
    }


def test_a_disclosed_name_that_already_exists_is_refused() -> None:
    disclosure = make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", "name", "Mallory")
    payload = {"name": "Alice", "_sd": [disclosure.digest]}
    assert _failed(_verify(_signed(payload, [disclosure.encoded]))) == {
        "sd_jwt.disclosures": "sdjwt.claim_conflict"
    }
    for reserved in ("_sd", "..."):
        bad = make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", reserved, [])
        result = _verify(_signed({"_sd": [bad.digest]}, [bad.encoded]))
        assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.claim_conflict"}


def test_disclosures_of_the_wrong_kind_are_refused() -> None:
    element = make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", None, "US")
    result = _verify(_signed({"_sd": [element.digest]}, [element.encoded]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.disclosure_misplaced"}
    member = make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", "n", "US")
    result = _verify(_signed({"a": [{"...": member.digest}]}, [member.encoded]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.disclosure_misplaced"}


def test_a_digest_used_twice_is_refused() -> None:
    disclosure = make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", "n", 1)
    twice = {"_sd": [disclosure.digest], "o": {"_sd": [disclosure.digest]}}
    result = _verify(_signed(twice, [disclosure.encoded]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.digest_duplicate"}
    # Also when the second reference hides inside a Disclosure (a loop).
    inner = make_disclosure("c2FsdHNhbHRzYWx0c2FsdB", "m", {"_sd": [disclosure.digest]})
    looped = {"_sd": [disclosure.digest, inner.digest]}
    result = _verify(_signed(looped, [disclosure.encoded, inner.encoded]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.digest_duplicate"}


@pytest.mark.parametrize(
    "encoded",
    [
        "not*base64",
        b64url_encode(b"not json"),
        b64url_encode(json.dumps(["salt"]).encode()),
        b64url_encode(json.dumps(["salt", "a", 1, 2]).encode()),
        b64url_encode(json.dumps([1, "a", 1]).encode()),
        b64url_encode(json.dumps(["salt", 2, 1]).encode()),
        b64url_encode(json.dumps({"salt": "a"}).encode()),
    ],
)
def test_malformed_disclosures_are_refused(encoded: str) -> None:
    with pytest.raises(SdJwtError) as caught:
        parse_disclosure(encoded)
    assert caught.value.code == "sdjwt.disclosure_malformed"
    result = _verify(_signed({"iat": 1}, [encoded]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.disclosure_malformed"}


def test_nesting_is_bounded() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 2):
        deep = {"a": deep}
    # Too deep for the input boundary: the payload is not even parsed.
    assert _failed(_verify(_signed(deep, []))) == {"sd_jwt.issuer_signature": "jose.malformed"}
    # Each part shallow, the whole deep: disclosures nest, and processing counts every level.
    half: Any = "x"
    for _ in range(MAX_DEPTH // 2 + 2):
        half = {"a": half}
    chain = [make_disclosure("c2FsdHNhbHRzYWx0c2FsdA", "m", half)]
    for level in range(MAX_DEPTH // 2 + 2):
        salt = b64url_encode(level.to_bytes(16, "big"))
        chain.append(make_disclosure(salt, "n", {"_sd": [chain[-1].digest]}))
    payload: Any = {"_sd": [chain[-1].digest]}
    result = _verify(_signed(payload, [d.encoded for d in chain]))
    assert _failed(result) == {"sd_jwt.disclosures": "sdjwt.payload_malformed"}


def test_claims_are_returned_only_when_verified() -> None:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP)
    result = _verify(issued, now=NOW + timedelta(days=3650), required_claims=("exp",))
    assert _failed(result) == {"jose.validity_period": "jose.claim_invalid"}
    assert result.claims is None and result.processed is not None


# -- Issuer keys -----------------------------------------------------------------------------


def test_issuer_key_from_a_did_key_kid() -> None:
    did = did_key_from_public_key(ISSUER.public_key)
    kid = f"{did}#{did.removeprefix('did:key:')}"
    issued = issue_sd_jwt(
        {**CLAIMS, "iss": did}, ["/given_name"], ISSUER, typ=TYP, header={"kid": kid}
    )
    result = _verify(issued, issuer_key=did_issuer_key)
    assert result.verdict.verified
    signature = next(c for c in result.verdict.checks if c.name == "sd_jwt.issuer_signature")
    assert signature.details == {"alg": "ES256", "kid": kid, "issuer_bound": True}
    other = did_key_from_public_key(HOLDER.public_key)
    lying = issue_sd_jwt({**CLAIMS, "iss": other}, [], ISSUER, typ=TYP, header={"kid": kid})
    assert _failed(_verify(lying, issuer_key=did_issuer_key)) == {
        "sd_jwt.issuer_signature": "jose.issuer_mismatch"
    }
    no_kid = issue_sd_jwt(CLAIMS, [], ISSUER, typ=TYP)
    assert _failed(_verify(no_kid, issuer_key=did_issuer_key)) == {
        "sd_jwt.issuer_signature": "jose.key_unresolved"
    }


# -- Key binding -----------------------------------------------------------------------------


def _bound(signer: SoftwareKey = HOLDER, **header: Any) -> SdJwt:
    issued = issue_sd_jwt(CLAIMS, POINTERS, ISSUER, typ=TYP)
    chosen = select_disclosures(issued, ["/given_name"])
    return create_key_binding(
        chosen, signer, nonce="n-1", audience="https://verifier.example", now=NOW, header=header
    )


REQUEST = KeyBindingRequest("n-1", "https://verifier.example")


def test_key_binding_verifies_and_binds_what_was_presented() -> None:
    bound = _bound()
    result = _verify(bound, key_binding=REQUEST)
    assert result.verdict.verified, result.verdict.to_json()
    assert result.key_binding is not None
    assert result.key_binding.payload["sd_hash"] == bound.without_key_binding().sd_hash()
    assert result.key_binding.payload["nonce"] == "n-1"


def test_key_binding_by_another_key_is_refused() -> None:
    result = _verify(_bound(generate_key("p256")), key_binding=REQUEST)
    assert _failed(result) == {"sd_jwt.key_binding": "kb.signature_invalid"}
    result = _verify(_bound(generate_key("ed25519")), key_binding=REQUEST)
    assert _failed(result) == {"sd_jwt.key_binding": "jose.alg_key_mismatch"}


def test_key_binding_without_a_holder_key_is_refused() -> None:
    claims = {k: v for k, v in CLAIMS.items() if k != "cnf"}
    issued = issue_sd_jwt(claims, [], ISSUER, typ=TYP)
    bound = create_key_binding(issued, HOLDER, nonce="n-1", audience=REQUEST.audience, now=NOW)
    assert _failed(_verify(bound, key_binding=REQUEST)) == {
        "sd_jwt.key_binding": "kb.holder_key_missing"
    }


def test_key_binding_jwt_must_say_kb_jwt_and_carry_every_claim() -> None:
    sd_jwt = _bound().without_key_binding()
    wrong_typ = sign_jws({"typ": "JWT"}, {"nonce": "n-1"}, HOLDER)
    result = _verify(SdJwt(sd_jwt.jwt, sd_jwt.disclosures, wrong_typ), key_binding=REQUEST)
    assert _failed(result) == {"sd_jwt.key_binding": "jose.typ_invalid"}
    for missing in ("nonce", "aud", "iat", "sd_hash"):
        payload = {
            "nonce": "n-1",
            "aud": REQUEST.audience,
            "iat": int(NOW.timestamp()),
            "sd_hash": sd_jwt.sd_hash(),
        }
        del payload[missing]
        kb_jwt = sign_jws({"typ": "kb+jwt"}, payload, HOLDER)
        result = _verify(SdJwt(sd_jwt.jwt, sd_jwt.disclosures, kb_jwt), key_binding=REQUEST)
        assert _failed(result) == {"sd_jwt.key_binding": "kb.malformed"}


def _certificate(key: SoftwareKey, signer: SoftwareKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "holder")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key)
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(signer.private_key, hashes.SHA256())
    )


def test_x5c_must_be_the_certificate_cnf_names() -> None:
    certificate = _certificate(HOLDER, HOLDER)
    der = certificate.public_bytes(Encoding.DER)
    thumbprint = b64url_encode(hashlib.sha256(der).digest())
    claims = {**CLAIMS, "cnf": {"jwk": public_jwk(HOLDER.public_key), "x5t#S256": thumbprint}}
    issued = issue_sd_jwt(claims, [], ISSUER, typ=TYP)

    def bound(chain: list[x509.Certificate]) -> SdJwt:
        x5c = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in chain]
        return create_key_binding(
            issued, HOLDER, nonce="n-1", audience=REQUEST.audience, now=NOW, header={"x5c": x5c}
        )

    result = _verify(bound([certificate]), key_binding=REQUEST)
    assert result.verdict.verified and result.key_binding is not None
    assert result.key_binding.certificates == (der,)
    other = _certificate(generate_key("p256"), HOLDER)
    assert _failed(_verify(bound([other]), key_binding=REQUEST)) == {
        "sd_jwt.key_binding": "kb.certificate_mismatch"
    }


def test_what_is_not_concealed_is_signed_as_plain_json_whatever_its_containers() -> None:
    claims = {
        "c": 1,
        "a": MappingProxyType({"b": ("x", MappingProxyType({"d": [1, (2, 3)]}))}),
        "e": {"f": [{"g": "h"}]},
    }
    payload, _disclosures = conceal(claims, ["/c"], decoys=NO_DECOYS)
    assert json.loads(json.dumps(payload)) == {
        "a": {"b": ["x", {"d": [1, [2, 3]]}]},
        "e": {"f": [{"g": "h"}]},
        "_sd": payload["_sd"],
        "_sd_alg": "sha-256",
    }


@settings(max_examples=200, deadline=None)
@given(st.text(), st.none() | st.text(), st.text() | st.integers() | st.lists(st.text()))
def test_a_disclosure_encodes_its_array_as_compact_json(
    salt: str, name: str | None, value: Any
) -> None:
    array = [salt, value] if name is None else [salt, name, value]
    disclosure = make_disclosure(salt, name, value)
    assert disclosure.encoded == b64url_encode(encode_json(array))
    assert json.loads(base64.urlsafe_b64decode(disclosure.encoded + "==")) == array
