"""JWS Compact Serialization with an algorithm allowlist (RFC 7515, RFC 7518, RFC 8725).

- RFC 7515 §3.1 and §5.1–5.2: ``BASE64URL(header) '.' BASE64URL(payload) '.'
  BASE64URL(signature)``; the signing input is the first two parts as ASCII.
- RFC 7515 §4.1.11 ``crit``: a header naming a critical parameter we do not implement is
  refused. We implement none, so any ``crit`` is refused.
- RFC 7515 §4.1.9 ``typ``: compared case-insensitively, with ``application/`` optional
  (RFC 7515 §4.1.9, last paragraph); :func:`check_typ` does it.
- RFC 8725 §3.1 and §3.2 (JWT Best Current Practices): the verifier, not the token, picks the
  algorithm. Only ``ES256``, ``ES384``, ``EdDSA`` and ``RS256`` are allowed, never ``none`` and
  never an HMAC (which a token could otherwise pick to turn a public key into a MAC secret),
  and the token's ``alg`` must be the one algorithm of the verification key
  (:func:`algorithm_for_key`).
- RFC 7519 §4 (via RFC 8259 §4): a header or payload with duplicate member names is refused,
  so no two parsers can read different claims out of one token. Parts are parsed by
  :func:`vc_core.jsonio.loads`, the one strict JSON reader of shikaku, with its limits.

Signing goes through any :class:`~vc_core.keys.Signer`, so a JWS can be signed on the My
Number Card (RS256) as well as by a software key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CodecError, InputError, JoseError, KeyMaterialError, ProofError
from vc_core.jsonio import DEFAULT_LIMITS, loads
from vc_core.jsonout import compact
from vc_core.keys import AnyPublicKey, Signer, verify_signature

__all__ = [
    "ALLOWED_ALGORITHMS",
    "Jws",
    "algorithm_for_key",
    "check_algorithm",
    "check_typ",
    "encode_json",
    "parse_jws",
    "sign_jws",
    "strict_json_loads",
    "verify_jws",
]

#: The only JWS algorithms shikaku signs or accepts (RFC 7518 §3.1, RFC 8037 §3.1).
ALLOWED_ALGORITHMS: Final = frozenset({"ES256", "ES384", "EdDSA", "RS256"})
_EC_ALGORITHMS: Final = {"secp256r1": "ES256", "secp384r1": "ES384"}


def algorithm_for_key(key: AnyPublicKey) -> str:
    """The one JWS algorithm ``key`` may verify (the key decides, never the token)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        name = _EC_ALGORITHMS.get(key.curve.name)
        if name is not None:
            return name
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    raise KeyMaterialError("key.unsupported", "no allowed JWS algorithm for this key")


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, the form shikaku signs (no whitespace, non-ASCII kept; written
    by :func:`vc_core.jsonout.compact`)."""
    return compact(value)


def strict_json_loads(data: bytes | str, *, where: str = "a JOSE part") -> Any:
    """Parse UTF-8 JSON (RFC 8259 §8.1) strictly with :func:`vc_core.jsonio.loads`.

    Duplicate member names, NaN, bad UTF-8, too deep a nesting or too long an integer raise
    :class:`~vc_core.errors.InputError`. The size is not limited here: the token that holds
    the part was read under a size limit already (a status list token may be large).
    """
    return loads(data, limits=DEFAULT_LIMITS.admitting(len(data)), where=where)


@dataclass(frozen=True)
class Jws:
    """A parsed, not yet verified, compact JWS whose payload is a JSON object (a JWT)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes
    compact: str


def parse_jws(token: str) -> Jws:
    """Split and decode a compact JWS without verifying it; ``jose.malformed`` otherwise."""
    if not isinstance(token, str):
        raise JoseError("jose.malformed", "a compact JWS is a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise JoseError("jose.malformed", "a compact JWS has three dot-separated parts")
    try:
        header = strict_json_loads(b64url_decode(parts[0]))
        payload = strict_json_loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (CodecError, InputError) as exc:
        raise JoseError("jose.malformed", f"a JWS part is not base64url JSON ({exc})") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JoseError("jose.malformed", "the JWS header and payload must be JSON objects")
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature, token)


def sign_jws(
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    signer: Signer,
    *,
    algorithms: Collection[str] = ALLOWED_ALGORITHMS,
) -> str:
    """A compact JWS over the JSON ``payload``; ``alg`` is the signer's, placed first."""
    algorithm = signer.algorithm
    if algorithm not in algorithms or algorithm not in ALLOWED_ALGORITHMS:
        raise JoseError("jose.alg_not_allowed", f"the signer's alg {algorithm!r} is not allowed")
    protected = {"alg": algorithm, **{k: v for k, v in header.items() if k != "alg"}}
    header_b64 = b64url_encode(encode_json(protected))
    signing_input = header_b64 + "." + b64url_encode(encode_json(payload))
    return signing_input + "." + b64url_encode(signer.sign(signing_input.encode("ascii")))


def check_algorithm(
    header: Mapping[str, Any], key: AnyPublicKey, algorithms: Collection[str]
) -> str:
    """RFC 8725 §3.1: the header's ``alg`` is allowed here and is the key's own algorithm."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms or alg not in ALLOWED_ALGORITHMS:
        shown = alg if isinstance(alg, str) else type(alg).__name__
        raise JoseError("jose.alg_not_allowed", f"alg {shown[:20]!r} is not allowed")
    expected = algorithm_for_key(key)
    if alg != expected:
        raise JoseError("jose.alg_key_mismatch", f"alg {alg} given, the key verifies {expected}")
    return alg


def verify_jws(
    jws: Jws, key: AnyPublicKey, *, algorithms: Collection[str] = ALLOWED_ALGORITHMS
) -> None:
    """Verify ``jws`` with ``key``: allowlisted ``alg`` of that key, no ``crit``, signature."""
    check_algorithm(jws.header, key, algorithms)
    if "crit" in jws.header:
        raise JoseError("jose.crit_unsupported", "no critical header parameter is understood")
    try:
        verify_signature(key, jws.signature, jws.signing_input)
    except ProofError as exc:
        raise JoseError("jose.signature_invalid") from exc


def _media_type(value: str) -> str:
    lowered = value.lower()
    return lowered.removeprefix("application/")


def check_typ(header: Mapping[str, Any], accepted: Collection[str]) -> str:
    """RFC 7515 §4.1.9: ``typ`` is one of ``accepted`` (case-insensitive, ``application/``
    optional); returns it normalized, or raises ``jose.typ_invalid``."""
    typ = header.get("typ")
    if not isinstance(typ, str):
        raise JoseError("jose.typ_invalid", f"typ is missing; expected {' or '.join(accepted)}")
    normalized = _media_type(typ)
    if normalized not in {_media_type(a) for a in accepted}:
        raise JoseError(
            "jose.typ_invalid", f"typ {typ[:40]!r} is not {' or '.join(sorted(accepted))}"
        )
    return normalized
