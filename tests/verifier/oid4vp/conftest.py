"""The employer's OpenID4VP verifier under test, and a holder that answers it.

The verifier is the real app (:func:`verifier.http.create_app`) over the world of
``tests/verifier/world.py`` (a board with status lists, a trust registry naming it); its
request-signing certificate is a development one made in the data directory for the host of
``AUDIENCE``, which the ``roots`` fixture gives a wallet as its only verifier root. The holder
is written here from the wallet's primitives: it reads the request object, presents with
:class:`holder.wallet.Wallet` over the request's nonce and client_id, and encrypts
``direct_post.jwt`` responses with jwcrypto (an implementation independent of the verifier's
own ECDH-ES code).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from jwcrypto import jwe, jwk
from starlette.testclient import TestClient

from holder.verifier_roots import VerifierRoots, load_roots
from holder.wallet import Wallet
from tests.verifier.world import AUDIENCE, BASE, World, handler, make_world
from vc_core.codecs import b64url_decode
from vc_core.keys import SoftwareKey
from verifier.http import VerifierSettings, create_app
from verifier.oid4vp.identity import DEVELOPMENT_CERTIFICATE

EMPLOYER = ["/licenseNumber", "/familyName", "/givenName", "/familyNameKana", "/givenNameKana"]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path)
    yield made
    made.registry.close()


def verifier_settings(world: World, tmp_path: Path, **values: Any) -> VerifierSettings:
    registry = tmp_path / "trust.toml"
    if not registry.exists():
        world.trust.save(registry)
    base: dict[str, Any] = {
        "data_dir": tmp_path / "verifier",
        "audience": AUDIENCE,
        "trust_registry": registry,
        "status_allow": (BASE + "/",),
        "environment": "development",
    }
    return VerifierSettings.load(**{**base, **values})


@pytest.fixture
def settings(world: World, tmp_path: Path) -> VerifierSettings:
    return verifier_settings(world, tmp_path)


@pytest.fixture
def client(world: World, settings: VerifierSettings) -> Iterator[TestClient]:
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


@pytest.fixture
def roots(client: TestClient, settings: VerifierSettings) -> VerifierRoots:
    """The verifier's development certificate (made when ``client`` started the app) as a
    wallet's one verifier root."""
    return VerifierRoots(load_roots([settings.data_dir / "oid4vp" / DEVELOPMENT_CERTIFICATE]))


@dataclass
class Asked:
    """A transaction as the employer's page and the wallet each see it."""

    created: dict[str, Any]
    header: dict[str, Any]
    request: dict[str, Any]
    token: str

    @property
    def id(self) -> str:
        value: str = self.created["id"]
        return value

    @property
    def query_id(self) -> str:
        value: str = self.request["dcql_query"]["credentials"][0]["id"]
        return value


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    return json.loads(b64url_decode(head)), json.loads(b64url_decode(body))


def leaf_of(header: dict[str, Any]) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))


def ask(client: TestClient, **body: Any) -> Asked:
    """Create a transaction (kangoshi, employer, dc+sd-jwt, direct_post.jwt unless told) and
    fetch its request object as a wallet would."""
    wanted = {"qualification": "kangoshi", **body}
    created = client.post("/oid4vp/transactions", json=wanted)
    assert created.status_code == 201, created.text
    document = created.json()
    fetched = client.get(document["request_uri"].removeprefix(AUDIENCE))
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    header, request = jwt_parts(fetched.text)
    return Asked(document, header, request, fetched.text)


def present(
    world: World,
    asked: Asked,
    sd_jwt: str,
    *,
    disclose: Sequence[str] = EMPLOYER,
    signer: SoftwareKey | None = None,
    nonce: str | None = None,
    audience: str | None = None,
) -> str:
    wallet = Wallet(signer=signer or world.holder, clock=world.clock)
    return wallet.present_sd_jwt(
        sd_jwt,
        disclose=disclose,
        nonce=nonce or asked.request["nonce"],
        audience=audience or asked.request["client_id"],
    )


def encrypt(asked: Asked, payload: dict[str, Any], *, enc: str = "A128GCM") -> str:
    """The JWE a wallet sends for direct_post.jwt, to the request's key (jwcrypto)."""
    key = asked.request["client_metadata"]["jwks"]["keys"][0]
    token = jwe.JWE(
        json.dumps(payload).encode(),
        protected={"alg": "ECDH-ES", "enc": enc, "kid": key["kid"]},
    )
    token.add_recipient(jwk.JWK(**{k: key[k] for k in ("kty", "crv", "x", "y")}))
    serialized: str = token.serialize(compact=True)
    return serialized


def respond(client: TestClient, asked: Asked, presentation: Any, *, enc: str = "A128GCM") -> Any:
    """Post ``presentation`` as the answer to ``asked``, in the transaction's response mode."""
    vp_token = {asked.query_id: [presentation]}
    if asked.request["response_mode"] == "direct_post.jwt":
        body = {
            "response": encrypt(
                asked, {"vp_token": vp_token, "state": asked.request["state"]}, enc=enc
            )
        }
    else:
        body = {"vp_token": json.dumps(vp_token), "state": asked.request["state"]}
    return client.post("/oid4vp/response", data=body)


def verdict(client: TestClient, asked: Asked) -> dict[str, Any]:
    answer = client.get(
        f"/oid4vp/transactions/{asked.id}",
        headers={"Authorization": f"Bearer {asked.created['secret']}"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
