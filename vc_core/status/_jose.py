"""The two signature containers of the IETF Token Status List, kept to what it needs.

- JWS Compact Serialization (RFC 7515 §3.1, §5.1–5.2) for ``statuslist+jwt``.
- COSE_Sign1 (RFC 9052 §4.2 and §4.4, tag 18) for ``statuslist+cwt``.

Algorithms are taken from the key, never from the token: a P-256 key verifies ES256 only, a
P-384 key ES384, an Ed25519 key EdDSA, an RSA key RS256. ``none`` and every MAC algorithm are
refused outright, which closes the algorithm-confusion hole (STANDARDS.md, Known traps).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cbor2

from vc_core.errors import JoseError, ProofError, StatusError
from vc_core.jose.jws import algorithm_for_key, parse_jws, sign_jws, verify_jws
from vc_core.keys import AnyPublicKey, Signer, verify_signature

__all__ = [
    "COSE_ALGORITHMS",
    "cose_sign1",
    "cose_sign1_open",
    "cose_sign1_verify",
    "jws_open",
    "jws_sign",
    "jws_verify",
]

#: JOSE algorithm names and their COSE numbers (RFC 9053 §2.1, RFC 8812 §2).
COSE_ALGORITHMS = {"ES256": -7, "ES384": -35, "EdDSA": -8, "RS256": -257}
_JOSE_BY_COSE = {number: name for name, number in COSE_ALGORITHMS.items()}

_COSE_ALG, _COSE_KID, _COSE_TYP = 1, 4, 16
_COSE_SIGN1_TAG = 18


def _malformed(why: str) -> StatusError:
    return StatusError("status.list_malformed", why)


def jws_sign(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    """A compact JWS over the JSON ``payload``; ``alg`` comes from the signer."""
    return sign_jws(header, payload, signer)


def jws_open(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Split a compact JWS without verifying it: header, payload, signing input, signature."""
    if not isinstance(token, str):
        raise _malformed("a JWT is a string")
    try:
        jws = parse_jws(token.strip())
    except JoseError as exc:
        raise _malformed(exc.message) from exc
    return jws.header, jws.payload, jws.signing_input, jws.signature


def jws_verify(token: str, key: AnyPublicKey) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS with ``key``; ``status.proof_invalid`` when it does not verify.

    The shared JOSE layer does the work (alg allowlist, the key's own alg, no ``crit``,
    the signature); this boundary keeps the status lists' own error codes.
    """
    if not isinstance(token, str):
        raise _malformed("a JWT is a string")
    try:
        jws = parse_jws(token.strip())
    except JoseError as exc:
        raise _malformed(exc.message) from exc
    try:
        verify_jws(jws, key)
    except JoseError as exc:
        raise StatusError("status.proof_invalid", exc.message) from exc
    return jws.header, jws.payload


def cose_sign1(payload: bytes, signer: Signer, *, typ: str, kid: bytes | None = None) -> bytes:
    """A tagged COSE_Sign1 with ``alg`` and ``typ`` protected and ``kid`` unprotected."""
    protected = cbor2.dumps({_COSE_ALG: COSE_ALGORITHMS[signer.algorithm], _COSE_TYP: typ})
    unprotected: dict[int, Any] = {} if kid is None else {_COSE_KID: kid}
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = signer.sign(to_be_signed)
    return cbor2.dumps(cbor2.CBORTag(_COSE_SIGN1_TAG, [protected, unprotected, payload, signature]))


def cose_sign1_open(data: bytes) -> tuple[dict[Any, Any], dict[Any, Any], bytes, bytes, bytes]:
    """Split a COSE_Sign1: protected header, unprotected header, payload, signature, and the
    bytes that were signed (the Sig_structure)."""
    try:
        message = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise _malformed("the CWT is not CBOR") from exc
    if isinstance(message, cbor2.CBORTag):
        if message.tag != _COSE_SIGN1_TAG:
            raise _malformed(f"CBOR tag {message.tag} is not COSE_Sign1 (18)")
        message = message.value
    # cbor2 decodes the array inside a tag as a tuple and its maps as frozen mappings.
    if not (isinstance(message, list | tuple) and len(message) == 4):
        raise _malformed("a COSE_Sign1 is an array of four items")
    protected_bytes, unprotected, payload, signature = message
    if not (
        isinstance(protected_bytes, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise _malformed("a COSE_Sign1 item has the wrong type")
    try:
        protected = cbor2.loads(protected_bytes) if protected_bytes else {}
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise _malformed("the protected header is not CBOR") from exc
    if not isinstance(protected, Mapping):
        raise _malformed("the protected header is not a map")
    to_be_signed = cbor2.dumps(["Signature1", protected_bytes, b"", payload])
    return dict(protected), dict(unprotected), payload, signature, to_be_signed


def cose_sign1_verify(
    data: bytes, key: AnyPublicKey
) -> tuple[dict[Any, Any], dict[Any, Any], bytes]:
    """Verify a COSE_Sign1 with ``key``; returns the headers and the payload."""
    protected, unprotected, payload, signature, to_be_signed = cose_sign1_open(data)
    expected = algorithm_for_key(key)
    cose_alg = protected.get(_COSE_ALG)
    algorithm = _JOSE_BY_COSE.get(cose_alg) if isinstance(cose_alg, int) else None
    if algorithm != expected:
        raise StatusError(
            "status.proof_invalid", f"COSE alg {protected.get(_COSE_ALG)!r} is not {expected}"
        )
    if 2 in protected:
        raise StatusError("status.proof_invalid", "no critical COSE header is understood")
    try:
        verify_signature(key, signature, to_be_signed)
    except ProofError as exc:
        raise StatusError("status.proof_invalid", "the COSE signature does not verify") from exc
    return protected, unprotected, payload
