"""Key Binding JWTs: proof that the presenter holds the key the credential names (RFC 9901).

- §4.3: the KB-JWT header has ``typ`` ``kb+jwt`` and an asymmetric ``alg``; its payload has
  ``iat``, ``aud``, ``nonce`` and ``sd_hash`` (§4.3.1, the digest of the SD-JWT as presented).
- §4.1.2 and RFC 7800 §3.2: the holder's key is the Issuer-signed JWT's ``cnf.jwk``. In card
  mode ``cnf`` also carries the JPKI certificate's ``x5t#S256`` (RFC 8705 §3.1), and the
  KB-JWT header may carry the chain as ``x5c`` (RFC 7515 §4.1.6); then the leaf must be
  that certificate and hold that key (``kb.certificate_mismatch``). Validating the chain to
  the JPKI roots is the verifier role's (jpki_bridge), not this pure module's.
- §7.3 (verifier): the KB-JWT must be signed by the ``cnf`` key with an allowed algorithm
  (``kb.signature_invalid``), be fresh — ``iat`` not in the future beyond the skew
  (``jose.iat_invalid``) and not older than the verifier's ``max_age`` (``kb.stale``) —, carry
  the verifier's ``nonce`` and ``aud`` (``kb.nonce_mismatch``, ``kb.audience_mismatch``), and
  its ``sd_hash`` must match what was presented (``kb.sd_hash_mismatch``).

:func:`create_key_binding` takes any :class:`~vc_core.keys.Signer`: a wallet key (ES256) or
the My Number Card (RS256, ``jpki_bridge.CardSigner``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vc_core.codecs import b64url_encode
from vc_core.errors import JoseError, KeyBindingError, KeyMaterialError
from vc_core.jose.claims import DEFAULT_SKEW, numeric_date, timestamp
from vc_core.jose.jws import (
    ALLOWED_ALGORITHMS,
    check_typ,
    parse_jws,
    sign_jws,
    verify_jws,
)
from vc_core.keys import AnyPublicKey, Signer, public_jwk, public_key_from_jwk
from vc_core.sdjwt.serialization import SdJwt

__all__ = [
    "DEFAULT_MAX_AGE",
    "KB_TYP",
    "KeyBinding",
    "KeyBindingRequest",
    "create_key_binding",
    "holder_key",
    "verify_key_binding",
]

KB_TYP: Final = "kb+jwt"
#: How old a KB-JWT may be by default, in seconds.
DEFAULT_MAX_AGE: Final = 300


@dataclass(frozen=True)
class KeyBindingRequest:
    """What the verifier asked the holder to bind: its nonce and audience, and how fresh."""

    nonce: str
    audience: str
    max_age: int = DEFAULT_MAX_AGE


@dataclass(frozen=True)
class KeyBinding:
    """A verified KB-JWT: its header, payload and any ``x5c`` certificates (DER, leaf first)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    certificates: tuple[bytes, ...]


def holder_key(payload: Mapping[str, Any]) -> AnyPublicKey:
    """The holder's public key from ``cnf.jwk`` (RFC 7800 §3.2); ``kb.holder_key_missing``."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(jwk, Mapping):
        raise KeyBindingError("kb.holder_key_missing", "the credential has no cnf.jwk")
    if "d" in jwk:
        raise KeyBindingError("kb.holder_key_missing", "cnf.jwk must not hold a private key")
    try:
        return public_key_from_jwk(dict(jwk))
    except KeyMaterialError as exc:
        raise KeyBindingError("kb.holder_key_missing", f"cnf.jwk is unusable ({exc.code})") from exc


def create_key_binding(
    sd_jwt: SdJwt,
    signer: Signer,
    *,
    nonce: str,
    audience: str,
    now: datetime,
    header: Mapping[str, Any] | None = None,
) -> SdJwt:
    """§4.3: ``sd_jwt`` (any KB-JWT dropped) with a fresh KB-JWT signed by ``signer``."""
    base = sd_jwt.without_key_binding()
    payload = {
        "iat": int(timestamp(now)),
        "aud": audience,
        "nonce": nonce,
        "sd_hash": base.sd_hash(),
    }
    kb_jwt = sign_jws({"typ": KB_TYP, **(header or {})}, payload, signer)
    return replace(base, kb_jwt=kb_jwt)


def _string_claim(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str):
        raise KeyBindingError("kb.malformed", f"{name} must be a string", claim=name)
    return value


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _certificates(header: Mapping[str, Any]) -> tuple[bytes, ...]:
    chain = header.get("x5c")
    if chain is None:
        return ()
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise KeyBindingError("kb.malformed", "x5c must be a non-empty array of strings")
    try:
        # RFC 7515 §4.1.6: x5c holds standard base64 (not base64url) DER.
        return tuple(base64.b64decode(c, validate=True) for c in chain)
    except (binascii.Error, ValueError) as exc:
        raise KeyBindingError("kb.malformed", "x5c is not base64 DER") from exc


def _check_certificate(
    certificates: Sequence[bytes], cnf: Mapping[str, Any], key: AnyPublicKey
) -> None:
    thumbprint = cnf.get("x5t#S256")
    if not certificates:
        return
    leaf_der = certificates[0]
    if thumbprint is not None and b64url_encode(hashlib.sha256(leaf_der).digest()) != thumbprint:
        raise KeyBindingError("kb.certificate_mismatch", "x5c[0] is not the cnf x5t#S256")
    try:
        leaf = x509.load_der_x509_certificate(leaf_der)
        leaf_key = leaf.public_key()
        same_key = public_jwk(leaf_key) == public_jwk(key)  # type: ignore[arg-type]
    except (ValueError, KeyMaterialError) as exc:
        raise KeyBindingError("kb.certificate_mismatch", "x5c[0] is not a certificate") from exc
    if not same_key or leaf.public_bytes(Encoding.DER) != leaf_der:
        raise KeyBindingError("kb.certificate_mismatch", "x5c[0] does not hold the cnf key")


def verify_key_binding(
    sd_jwt: SdJwt,
    issuer_payload: Mapping[str, Any],
    request: KeyBindingRequest,
    *,
    now: datetime,
    skew: int = DEFAULT_SKEW,
    algorithms: Collection[str] = ALLOWED_ALGORITHMS,
) -> KeyBinding:
    """§7.3: verify the KB-JWT of ``sd_jwt`` against the ``cnf`` of ``issuer_payload``."""
    if sd_jwt.kb_jwt is None:
        raise KeyBindingError("kb.missing")
    key = holder_key(issuer_payload)
    try:
        jws = parse_jws(sd_jwt.kb_jwt)
    except JoseError as exc:
        raise KeyBindingError("kb.malformed", "the KB-JWT is not a compact JWS") from exc
    check_typ(jws.header, (KB_TYP,))
    try:
        verify_jws(jws, key, algorithms=algorithms)
    except JoseError as exc:
        if exc.code != "jose.signature_invalid":
            raise
        raise KeyBindingError("kb.signature_invalid") from exc
    certificates = _certificates(jws.header)
    cnf = issuer_payload["cnf"]
    _check_certificate(certificates, cnf, key)
    payload = jws.payload
    sd_hash = _string_claim(payload, "sd_hash")
    nonce = _string_claim(payload, "nonce")
    audience = _string_claim(payload, "aud")
    try:
        iat = numeric_date(payload, "iat", required=True)
    except JoseError as exc:
        raise KeyBindingError("kb.malformed", "iat must be a NumericDate") from exc
    assert iat is not None
    if not _same(sd_hash, sd_jwt.sd_hash()):
        raise KeyBindingError("kb.sd_hash_mismatch")
    if not _same(nonce, request.nonce):
        raise KeyBindingError("kb.nonce_mismatch")
    if not _same(audience, request.audience):
        raise KeyBindingError("kb.audience_mismatch", audience=audience[:200])
    current = timestamp(now)
    if iat > current + skew:
        raise JoseError("jose.iat_invalid", "the KB-JWT's iat is in the future", iat=int(iat))
    if current - iat > request.max_age + skew:
        raise KeyBindingError("kb.stale", iat=int(iat), max_age=request.max_age)
    return KeyBinding(jws.header, payload, certificates)
