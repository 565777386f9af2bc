"""JOSE underneath SD-JWT: the algorithm allowlist, ``typ``, time claims, interop.

STANDARDS.md, Known traps: "JWT algorithm confusion: never accept ``none``, never let the
token pick HMAC with a public key" and "SD-JWT libraries commonly skip exp/nbf/iat and typ
checks; we check them". Each trap has a test here. jwcrypto, an independent JOSE
implementation, checks that what we sign is standard and that we accept what it signs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from vc_core.codecs import b64url_encode
from vc_core.errors import JoseError, KeyMaterialError
from vc_core.jose import (
    algorithm_for_key,
    check_time_claims,
    check_typ,
    parse_jws,
    sign_jws,
    verify_jws,
)
from vc_core.keys import SoftwareKey, generate_key, public_jwk

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


@dataclass
class RsaSigner:
    """An RS256 software signer, standing in for the card in unit tests."""

    key: rsa.RSAPrivateKey

    @property
    def algorithm(self) -> str:
        return "RS256"

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


@pytest.fixture(scope="module")
def rsa_signer() -> RsaSigner:
    return RsaSigner(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value).encode())

    return f"{part(header)}.{part(payload)}.{b64url_encode(signature)}"


def _code(action: Any) -> str:
    with pytest.raises(JoseError) as caught:
        action()
    return caught.value.code


@pytest.mark.parametrize("key_type", ["p256", "p384", "ed25519"])
def test_sign_and_verify_with_each_allowed_algorithm(key_type: Any) -> None:
    key = generate_key(key_type)
    token = sign_jws({"typ": "vc+jwt"}, {"iss": "did:example:1"}, key)
    jws = parse_jws(token)
    verify_jws(jws, key.public_key)
    assert jws.header == {"alg": algorithm_for_key(key.public_key), "typ": "vc+jwt"}


def test_rs256_signs_and_verifies(rsa_signer: RsaSigner) -> None:
    token = sign_jws({"typ": "kb+jwt"}, {"nonce": "n"}, rsa_signer)
    verify_jws(parse_jws(token), rsa_signer.public_key)


def test_alg_none_is_refused() -> None:
    key = generate_key("p256")
    token = _token({"alg": "none", "typ": "vc+jwt"}, {"iss": "x"})
    assert _code(lambda: verify_jws(parse_jws(token), key.public_key)) == "jose.alg_not_allowed"
    for spelling in ("None", "NONE", "nOnE", ""):
        token = _token({"alg": spelling}, {"iss": "x"})
        assert _code(lambda t=token: verify_jws(parse_jws(t), key.public_key)) == (
            "jose.alg_not_allowed"
        )


def test_hmac_with_the_public_key_as_secret_is_refused(rsa_signer: RsaSigner) -> None:
    # The classic confusion: sign HS256 with the verifier's public key bytes as the secret.
    public_pem = rsa_signer.public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    for alg, digest in (("HS256", hashlib.sha256), ("HS384", hashlib.sha384)):
        unsigned = _token({"alg": alg, "typ": "vc+jwt"}, {"iss": "x"}).rsplit(".", 1)[0]
        mac = hmac.new(public_pem, unsigned.encode(), digest).digest()
        token = f"{unsigned}.{b64url_encode(mac)}"
        assert _code(lambda t=token: verify_jws(parse_jws(t), rsa_signer.public_key)) == (
            "jose.alg_not_allowed"
        )


def test_the_key_decides_the_algorithm(rsa_signer: RsaSigner) -> None:
    p256 = generate_key("p256")
    token = sign_jws({}, {"iss": "x"}, p256)
    # A valid ES256 token presented as ES384, and an RSA key asked to verify ES256.
    _header, payload, signature = token.split(".")
    relabelled = b64url_encode(json.dumps({"alg": "ES384"}).encode())
    forged = f"{relabelled}.{payload}.{signature}"
    assert _code(lambda: verify_jws(parse_jws(forged), p256.public_key)) == (
        "jose.alg_key_mismatch"
    )
    assert _code(lambda: verify_jws(parse_jws(token), rsa_signer.public_key)) == (
        "jose.alg_key_mismatch"
    )
    other = generate_key("p256")
    assert _code(lambda: verify_jws(parse_jws(token), other.public_key)) == (
        "jose.signature_invalid"
    )


def test_an_algorithm_outside_the_callers_list_is_refused() -> None:
    key = generate_key("ed25519")
    token = sign_jws({}, {"iss": "x"}, key)
    assert _code(lambda: verify_jws(parse_jws(token), key.public_key, algorithms={"ES256"})) == (
        "jose.alg_not_allowed"
    )


def test_a_signer_with_a_disallowed_algorithm_cannot_sign() -> None:
    @dataclass
    class HmacSigner:
        algorithm: str = "HS256"
        public_key: Any = None

        def sign(self, data: bytes) -> bytes:
            return hmac.new(b"k", data, hashlib.sha256).digest()

    assert _code(lambda: sign_jws({}, {}, HmacSigner())) == "jose.alg_not_allowed"


def test_crit_is_refused() -> None:
    key = generate_key("p256")
    token = sign_jws({"crit": ["exp"], "exp": 1}, {"iss": "x"}, key)
    assert _code(lambda: verify_jws(parse_jws(token), key.public_key)) == "jose.crit_unsupported"


@pytest.mark.parametrize(
    "token",
    [
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.AA",
        "eyJhbGciOiJFUzI1NiJ9.W10.AA",  # A JSON array, not a claims object.
        "eyJhbGciOiJFUzI1NiJ9=.e30.AA",  # Padding is not base64url.
        _token({"alg": "ES256"}, {"iss": "x"}).replace("eyJ", "ey+", 1),
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert _code(lambda: parse_jws(token)) == "jose.malformed"


def test_duplicate_member_names_are_refused() -> None:
    header = b64url_encode(b'{"alg":"ES256","alg":"none"}')
    payload = b64url_encode(b'{"iss":"a","iss":"b"}')
    assert _code(lambda: parse_jws(f"{header}.{b64url_encode(b'{}')}.AA")) == "jose.malformed"
    good = b64url_encode(b'{"alg":"ES256"}')
    assert _code(lambda: parse_jws(f"{good}.{payload}.AA")) == "jose.malformed"


def test_typ_is_checked_case_insensitively_with_optional_application_prefix() -> None:
    assert check_typ({"typ": "dc+sd-jwt"}, ["dc+sd-jwt"]) == "dc+sd-jwt"
    assert check_typ({"typ": "application/DC+SD-JWT"}, ["dc+sd-jwt"]) == "dc+sd-jwt"
    assert _code(lambda: check_typ({"typ": "vc+sd-jwt"}, ["dc+sd-jwt"])) == "jose.typ_invalid"
    assert _code(lambda: check_typ({}, ["kb+jwt"])) == "jose.typ_invalid"
    assert _code(lambda: check_typ({"typ": 1}, ["kb+jwt"])) == "jose.typ_invalid"
    assert _code(lambda: check_typ({"typ": "JWT"}, ["kb+jwt"])) == "jose.typ_invalid"


# -- Time claims ----------------------------------------------------------------------------


def test_exp_with_bounded_skew() -> None:
    check_time_claims({"exp": T + 1}, now=NOW)
    check_time_claims({"exp": T - 59}, now=NOW, skew=60)
    assert _code(lambda: check_time_claims({"exp": T - 60}, now=NOW, skew=60)) == "jose.expired"
    assert _code(lambda: check_time_claims({"exp": T}, now=NOW, skew=0)) == "jose.expired"


def test_nbf_with_bounded_skew() -> None:
    check_time_claims({"nbf": T + 60}, now=NOW, skew=60)
    assert _code(lambda: check_time_claims({"nbf": T + 61}, now=NOW, skew=60)) == (
        "jose.not_yet_valid"
    )


def test_iat_in_the_future_is_refused() -> None:
    check_time_claims({"iat": T + 60}, now=NOW, skew=60)
    assert _code(lambda: check_time_claims({"iat": T + 61}, now=NOW)) == "jose.iat_invalid"


@pytest.mark.parametrize("value", ["1700000000", True, None, [1], float("inf")])
def test_time_claims_must_be_numeric_dates(value: Any) -> None:
    for name in ("exp", "nbf", "iat"):
        assert _code(lambda n=name: check_time_claims({n: value}, now=NOW)) == (
            "jose.claim_invalid"
        )


def test_required_time_claims_and_skew_limits() -> None:
    assert _code(lambda: check_time_claims({}, now=NOW, required=("iat",))) == (
        "jose.claim_invalid"
    )
    with pytest.raises(ValueError, match="skew"):
        check_time_claims({}, now=NOW, skew=3600)
    with pytest.raises(ValueError, match="timezone"):
        check_time_claims({}, now=datetime(2026, 1, 1))


# -- Interop with jwcrypto -------------------------------------------------------------------


def _jwcrypto_key(key: SoftwareKey) -> jwcrypto_jwk.JWK:
    return jwcrypto_jwk.JWK(**key.private_jwk())


@pytest.mark.parametrize("key_type", ["p256", "p384", "ed25519"])
def test_jwcrypto_verifies_what_we_sign(key_type: Any) -> None:
    key = generate_key(key_type)
    token = sign_jws({"typ": "vc+jwt"}, {"name": "看護師", "iat": T}, key)
    checker = jwcrypto_jws.JWS()
    checker.deserialize(token)
    checker.verify(jwcrypto_jwk.JWK(**public_jwk(key.public_key)))
    assert json.loads(checker.payload) == {"name": "看護師", "iat": T}


@pytest.mark.parametrize("key_type", ["p256", "p384", "ed25519"])
def test_we_verify_what_jwcrypto_signs(key_type: Any) -> None:
    key = generate_key(key_type)
    alg = algorithm_for_key(key.public_key)
    signed = jwcrypto_jws.JWS(json.dumps({"iss": "did:example:1"}).encode())
    signed.add_signature(_jwcrypto_key(key), alg, protected={"alg": alg, "typ": "vc+jwt"})
    jws = parse_jws(signed.serialize(compact=True))
    verify_jws(jws, key.public_key)
    assert jws.payload == {"iss": "did:example:1"}


def test_we_verify_jwcrypto_rs256(rsa_signer: RsaSigner) -> None:
    key = jwcrypto_jwk.JWK.from_pyca(rsa_signer.key)
    signed = jwcrypto_jws.JWS(b'{"nonce":"n"}')
    signed.add_signature(key, "RS256", protected={"alg": "RS256", "typ": "kb+jwt"})
    verify_jws(parse_jws(signed.serialize(compact=True)), rsa_signer.public_key)


def test_unsupported_keys_have_no_algorithm() -> None:
    key = ec.generate_private_key(ec.SECP521R1()).public_key()
    with pytest.raises(KeyMaterialError):
        algorithm_for_key(key)
