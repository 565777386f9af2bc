"""A wallet written for these tests (jwcrypto), independent of shikaku's own JOSE code.

It builds what an OpenID4VCI 1.0 wallet sends: DPoP proofs (RFC 9449 §4.2) and key proofs
(OpenID4VCI 1.0 §8.2.1.1), and walks the pre-authorized code flow over a Starlette
``TestClient`` with the URLs the issuer's metadata names, retrying once on ``use_dpop_nonce``
as RFC 9449 §8 asks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from jwcrypto import jwk, jws

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key(kty: str = "EC") -> jwk.JWK:
    if kty == "RSA":
        return jwk.JWK.generate(kty="RSA", size=2048)
    return jwk.JWK.generate(kty="EC", crv="P-256")


def sign(key: jwk.JWK, header: dict[str, Any], payload: dict[str, Any]) -> str:
    token = jws.JWS(json.dumps(payload).encode())
    token.add_signature(key, alg=header["alg"], protected=json.dumps(header))
    return str(token.serialize(compact=True))


def public(key: jwk.JWK) -> dict[str, Any]:
    exported: dict[str, Any] = key.export_public(as_dict=True)
    return exported


@dataclass
class Wallet:
    """One wallet: its DPoP key, the nonce the server gave it, and what it received."""

    client: httpx.Client | Any
    dpop_key: jwk.JWK = field(default_factory=new_key)
    dpop_nonce: str | None = None
    now: float | None = None

    def iat(self) -> int:
        return int(self.now if self.now is not None else time.time())

    def dpop(
        self,
        method: str,
        url: str,
        *,
        access_token: str | None = None,
        nonce: str | None = None,
        jti: str | None = None,
        key: jwk.JWK | None = None,
        alg: str = "ES256",
        typ: str = "dpop+jwt",
    ) -> str:
        key = key or self.dpop_key
        payload: dict[str, Any] = {
            "jti": jti or str(uuid.uuid4()),
            "htm": method,
            "htu": url,
            "iat": self.iat(),
        }
        nonce = nonce if nonce is not None else self.dpop_nonce
        if nonce is not None:
            payload["nonce"] = nonce
        if access_token is not None:
            payload["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
        return sign(key, {"typ": typ, "alg": alg, "jwk": public(key)}, payload)

    def key_proof(
        self,
        key: jwk.JWK,
        *,
        audience: str,
        nonce: str | None,
        alg: str = "ES256",
        header: dict[str, Any] | None = None,
        iat: int | None = None,
    ) -> str:
        payload: dict[str, Any] = {"aud": audience, "iat": iat if iat is not None else self.iat()}
        if nonce is not None:
            payload["nonce"] = nonce
        protected = header or {"jwk": public(key)}
        return sign(key, {"typ": "openid4vci-proof+jwt", "alg": alg, **protected}, payload)

    def remember(self, response: httpx.Response) -> httpx.Response:
        if "DPoP-Nonce" in response.headers:
            self.dpop_nonce = response.headers["DPoP-Nonce"]
        return response

    def post(
        self,
        url: str,
        *,
        access_token: str | None = None,
        retry: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST with a fresh DPoP proof; once more with the server's nonce if it asks."""
        headers = dict(kwargs.pop("headers", {}))
        headers["DPoP"] = self.dpop("POST", url, access_token=access_token)
        if access_token is not None:
            headers["Authorization"] = f"DPoP {access_token}"
        response = self.remember(self.client.post(url, headers=headers, **kwargs))
        if retry and _asks_for_nonce(response):
            return self.post(url, access_token=access_token, retry=False, headers=headers, **kwargs)
        return response

    # -- the flow --------------------------------------------------------------------------------

    def metadata(self, issuer: str) -> tuple[dict[str, Any], dict[str, Any]]:
        origin = issuer.rstrip("/")
        credential = self.client.get(f"{origin}/.well-known/openid-credential-issuer").json()
        server = self.client.get(f"{origin}/.well-known/oauth-authorization-server").json()
        return credential, server

    def resolve(self, offer_url: str) -> dict[str, Any]:
        query = parse_qs(urlsplit(offer_url).query)
        if "credential_offer" in query:
            offer: dict[str, Any] = json.loads(query["credential_offer"][0])
            return offer
        response = self.client.get(query["credential_offer_uri"][0])
        assert response.status_code == 200, response.text
        fetched: dict[str, Any] = response.json()
        return fetched

    def token(self, token_url: str, code: str, tx_code: str | None) -> httpx.Response:
        data = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        if tx_code is not None:
            data["tx_code"] = tx_code
        return self.post(token_url, data=data)

    def c_nonce(self, nonce_url: str) -> str:
        response = self.client.post(nonce_url)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        value: str = response.json()["c_nonce"]
        return value


def _asks_for_nonce(response: httpx.Response) -> bool:
    if response.status_code == 400:
        try:
            return bool(response.json().get("error") == "use_dpop_nonce")
        except ValueError:
            return False
    challenge = response.headers.get("WWW-Authenticate", "")
    return response.status_code == 401 and 'error="use_dpop_nonce"' in challenge
