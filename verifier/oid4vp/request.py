"""The authorization request: the signed request object, the URI a wallet opens, its QR code.

OpenID4VP 1.0 §5 and RFC 9101 (JAR). A transaction's request object is a JWT with ``typ:
oauth-authz-req+jwt``, signed ES256 by the verifier's certificate key, the chain in ``x5c``;
its claims are the authorization request: ``client_id`` (with its prefix, §5.9),
``response_type=vp_token``, ``response_mode`` (``direct_post`` or ``direct_post.jwt``),
``response_uri`` (on the certificate's host), ``nonce``, ``state``, ``dcql_query`` and
``client_metadata`` (``vp_formats_supported``; for ``direct_post.jwt`` also ``jwks`` with the
transaction's ECDH-ES key and ``encrypted_response_enc_values_supported``). ``aud`` is the
static ``https://self-issued.me/v2`` (§5.8); a wallet that fetched it by POST
(``request_uri_method=post``, §5.10) finds its ``wallet_nonce`` echoed.

The wallet is sent ``openid4vp://?client_id=…&request_uri=…`` (same device: a link; cross
device: :func:`qr_svg`). The ``redirect_uri:`` prefix, for development only, cannot be
signed (§5.9.3), so its request travels by value in the URI.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode

import segno

from vc_core.jose.jws import sign_jws
from verifier.oid4vp.identity import ClientIdentity

__all__ = [
    "REQUEST_TYP",
    "SELF_ISSUED",
    "VP_FORMATS",
    "authorization_uri",
    "client_metadata",
    "qr_svg",
    "sign_request",
]

REQUEST_TYP: Final = "oauth-authz-req+jwt"
SELF_ISSUED: Final = "https://self-issued.me/v2"
SCHEME: Final = "openid4vp://"
#: §B.3.4 and §B.1.3.2.2: what this verifier accepts, per format.
VP_FORMATS: Final[Mapping[str, Any]] = {
    "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256", "RS256"]},
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof"],
        "cryptosuite_values": ["ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-sd-2023"],
    },
}


def client_metadata(
    formats: tuple[str, ...],
    *,
    encryption_jwk: Mapping[str, str] | None,
    enc_values: tuple[str, ...],
) -> dict[str, Any]:
    """``client_metadata`` for a request in ``formats``, with the response key if encrypted."""
    metadata: dict[str, Any] = {"vp_formats_supported": {f: VP_FORMATS[f] for f in formats}}
    if encryption_jwk is not None:
        metadata["jwks"] = {"keys": [dict(encryption_jwk)]}
        metadata["encrypted_response_enc_values_supported"] = list(enc_values)
    return metadata


def request_claims(
    *,
    client_id: str,
    response_mode: str,
    response_uri: str,
    nonce: str,
    state: str,
    dcql_query: Mapping[str, Any],
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """The authorization request parameters (§5.1) of a transaction."""
    return {
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": response_mode,
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dict(dcql_query),
        "client_metadata": dict(metadata),
    }


def sign_request(
    identity: ClientIdentity,
    claims: Mapping[str, Any],
    *,
    now: datetime,
    lifetime: timedelta,
    wallet_nonce: str | None = None,
) -> str:
    """The compact request object: ``claims`` with ``aud``, ``iat``, ``exp`` (and the
    ``wallet_nonce`` of a POSTed request_uri), signed with ``x5c``."""
    payload = {
        **claims,
        "aud": SELF_ISSUED,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    if wallet_nonce is not None:
        payload["wallet_nonce"] = wallet_nonce
    header = {"typ": REQUEST_TYP, "x5c": identity.x5c}
    return sign_jws(header, payload, identity.key, algorithms=("ES256",))


def authorization_uri(
    client_id: str,
    *,
    request_uri: str | None = None,
    request_uri_method: str | None = None,
    by_value: Mapping[str, Any] | None = None,
) -> str:
    """``openid4vp://?…``: by reference (``request_uri``), or every parameter by value."""
    if by_value is not None:
        params = {
            k: json.dumps(v, separators=(",", ":"), ensure_ascii=False)
            if isinstance(v, Mapping)
            else str(v)
            for k, v in by_value.items()
        }
        return SCHEME + "?" + urlencode(params)
    params = {"client_id": client_id, "request_uri": str(request_uri)}
    if request_uri_method is not None:
        params["request_uri_method"] = request_uri_method
    return SCHEME + "?" + urlencode(params)


def qr_svg(uri: str) -> str:
    """The authorization URI as a QR code (SVG, error correction M) for a wallet's camera."""
    buffer = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, nl=False, scale=4, border=2, title="OpenID4VP"
    )
    return buffer.getvalue().decode("utf-8")
