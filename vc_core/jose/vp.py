"""``vp+jwt``: a Verifiable Presentation secured with JOSE (W3C VC-JOSE-COSE §3.1.3).

The holder's proof of possession for W3C-form credentials when the holder key cannot make a
Data Integrity proof — above all the My Number Card, which signs only RSA (RS256, JPKI.md), for
which no Data Integrity cryptosuite exists. The payload is a VC Data Model 2.0 presentation;
shikaku adds the JWT claims a verifier needs for freshness and audience (RFC 7519 §4.1):
``nonce`` (the verifier's challenge), ``aud`` (the verifier) and ``iat``. The header carries
``typ: vp+jwt``, ``cty: vp`` and ``kid``, the holder's DID URL (did:jwk for the card's RSA key,
or did:key); in card mode also ``x5c``, the card's certificate chain, leaf first, whose leaf
key must be the ``kid``'s key.

Credentials ride in ``verifiableCredential``: Data Integrity credentials as they are, JOSE
credentials as ``EnvelopedVerifiableCredential`` objects whose ``id`` is a ``data:`` URL
(VCDM 2.0 §4.13), e.g. ``data:application/vc+sd-jwt,<compact>``.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cryptography import x509

from vc_core.did import KeyResolver, resolve_verification_method
from vc_core.errors import CardError, JoseError, KeyBindingError
from vc_core.jose.claims import DEFAULT_SKEW, check_time_claims, timestamp
from vc_core.jose.jws import ALLOWED_ALGORITHMS, check_typ, parse_jws, sign_jws, verify_jws
from vc_core.keys import AnyPublicKey, Signer, jwk_thumbprint, public_jwk

__all__ = [
    "ENVELOPED",
    "VP_JWT",
    "VerifiedVpJwt",
    "enveloped",
    "load_certificates",
    "sign_vp_jwt",
    "unenvelope",
    "verify_vp_jwt",
]

VP_JWT: Final = "vp+jwt"
ENVELOPED: Final = "EnvelopedVerifiableCredential"
_V2: Final = "https://www.w3.org/ns/credentials/v2"
_MEDIA: Final = ("application/vc+jwt", "application/vc+sd-jwt", "application/dc+sd-jwt")


def enveloped(secured: str, media_type: str) -> dict[str, Any]:
    """VCDM 2.0 §4.13: a JOSE-secured credential inside a presentation."""
    return {"@context": _V2, "id": f"data:{media_type},{secured}", "type": ENVELOPED}


def unenvelope(item: Mapping[str, Any]) -> tuple[str, str]:
    """The media type and secured text of an ``EnvelopedVerifiableCredential``."""
    url = item.get("id")
    if item.get("type") != ENVELOPED or not isinstance(url, str) or not url.startswith("data:"):
        raise JoseError("jose.malformed", "not an EnvelopedVerifiableCredential data: URL")
    media_type, comma, text = url[5:].partition(",")
    if not comma or media_type not in _MEDIA:
        raise JoseError("jose.malformed", f"enveloped media type {media_type[:40]!r} unknown")
    return media_type, text


def sign_vp_jwt(
    presentation: Mapping[str, Any],
    signer: Signer,
    *,
    kid: str,
    nonce: str,
    audience: str,
    now: datetime,
    x5c: Sequence[str] = (),
) -> str:
    """A ``vp+jwt`` of ``presentation`` for ``audience`` over ``nonce``."""
    clashes = {"nonce", "aud", "iat"} & set(presentation)
    if clashes:
        raise JoseError("jose.claim_invalid", f"the presentation already has {sorted(clashes)}")
    header: dict[str, Any] = {"typ": VP_JWT, "cty": "vp", "kid": kid}
    if x5c:
        header["x5c"] = list(x5c)
    payload = {**presentation, "nonce": nonce, "aud": audience, "iat": int(timestamp(now))}
    return sign_jws(header, payload, signer)


@dataclass(frozen=True)
class VerifiedVpJwt:
    """A ``vp+jwt`` whose signature, ``typ`` and times verified; who signed it, over what."""

    holder: str
    kid: str
    thumbprint: str
    """RFC 7638 thumbprint of the holder's key, to match a credential's ``cnf.jwk``."""
    nonce: str
    audience: str
    presentation: dict[str, Any]
    certificates: tuple[bytes, ...]


def verify_vp_jwt(
    token: str,
    *,
    now: datetime,
    resolver: KeyResolver = resolve_verification_method,
    skew: int = DEFAULT_SKEW,
    max_age: int = 300,
    algorithms: Collection[str] = ALLOWED_ALGORITHMS,
) -> VerifiedVpJwt:
    """Verify the holder's signature; the caller compares ``nonce`` and ``audience``.

    The key is the ``kid``'s (a DID URL); with ``x5c`` the leaf certificate's key must be that
    same key (``kb.certificate_mismatch``) — its chain is the caller's to validate against the
    JPKI roots it trusts. ``iat`` is required and may be at most ``max_age`` seconds old.
    """
    jws = parse_jws(token.strip())
    check_typ(jws.header, (VP_JWT,))
    kid = jws.header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JoseError("jose.key_unresolved", "the vp+jwt header has no kid")
    method = resolver(kid)
    verify_jws(jws, method.public_key, algorithms=algorithms)
    check_time_claims(jws.payload, now=now, skew=skew, required=("iat",))
    if timestamp(now) - jws.payload["iat"] > max_age + skew:
        raise KeyBindingError("kb.stale", f"the vp+jwt is older than {max_age} s")
    nonce, audience = jws.payload.get("nonce"), jws.payload.get("aud")
    if not isinstance(nonce, str) or not isinstance(audience, str):
        raise KeyBindingError("kb.malformed", "a vp+jwt carries a string nonce and aud")
    certificates = _certificates(jws.header.get("x5c"))
    if certificates:
        leaf_key = _load(certificates[0]).public_key()
        if not isinstance(leaf_key, AnyPublicKey) or jwk_thumbprint(
            public_jwk(leaf_key)
        ) != jwk_thumbprint(public_jwk(method.public_key)):
            raise KeyBindingError("kb.certificate_mismatch", "the x5c leaf is not the kid's key")
    presentation = {k: v for k, v in jws.payload.items() if k not in ("nonce", "aud", "iat")}
    return VerifiedVpJwt(
        holder=method.controller or kid.split("#", 1)[0],
        kid=kid,
        thumbprint=jwk_thumbprint(public_jwk(method.public_key)),
        nonce=nonce,
        audience=audience,
        presentation=presentation,
        certificates=certificates,
    )


def _certificates(value: Any) -> tuple[bytes, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise JoseError("jose.malformed", "x5c is a list of base64 certificates")
    try:
        return tuple(base64.b64decode(v, validate=True) for v in value)
    except ValueError as exc:
        raise JoseError("jose.malformed", "x5c is not standard base64") from exc


def _load(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CardError("card.cert_invalid", "an x5c certificate does not parse") from exc


def load_certificates(ders: Sequence[bytes]) -> list[x509.Certificate]:
    """Certificates from ``x5c`` DER; one that does not parse is ``card.cert_invalid``."""
    return [_load(der) for der in ders]
