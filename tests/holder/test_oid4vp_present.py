"""The wallet presents over OpenID4VP 1.0 to the employer's verifier, in-process.

The verifier (tests/verifier/oid4vp: the real app, a trust registry, status lists) creates a
transaction; the wallet's flow (:mod:`holder.flows.oid4vp`) fetches and checks the signed
request (the verifier's development certificate given as the wallet's one verifier root),
matches its DCQL query to the stored credential, discloses what was asked and no more, and
answers in both response modes; the verifier's verdict is 有効.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from starlette.testclient import TestClient

from holder.flows.oid4vp import check_identity, fetch_request, leaf_of, match, respond
from holder.store import KdfParams, WalletStore
from holder.verifier_roots import VerifierRoots
from tests.verifier.oid4vp.conftest import ask, client, roots, settings, verdict, world
from tests.verifier.world import World
from vc_core.errors import WalletError
from vc_core.jose.jws import sign_jws
from vc_core.keys import generate_key, public_jwk
from verifier.oid4vp.identity import development_identity

__all__ = ["client", "roots", "settings", "world"]


def _wallet(tmp_path: Path, world: World, *, with_credential: bool = True) -> WalletStore:
    store = WalletStore.init(
        tmp_path / "wallet.json",
        "a long passphrase",
        params=KdfParams(iterations=1, lanes=1, memory=1024),
    )
    if with_credential:
        sd_jwt, _ = world.sd_jwt()
        store.add(sd_jwt, format="dc+sd-jwt", qualification="kangoshi", key=world.holder)
    return store


def _now(world: World) -> float:
    return world.clock().timestamp()


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_the_wallet_presents_what_the_employer_asked(
    client: TestClient, world: World, roots: VerifierRoots, tmp_path: Path, mode: str
) -> None:
    store = _wallet(tmp_path, world)
    asked = ask(client, response_mode=mode)
    request = fetch_request(
        asked.created["authorization_request"], client, roots=roots, now=lambda: _now(world)
    )
    assert request.client_id.startswith("x509_san_dns:")
    assert request.verifier_name  # the certificate's name, shown to the holder
    chosen = match(request, store.credentials())
    assert "/licenseNumber" in chosen.disclose and chosen.hidden_by_default == ()
    key_id = chosen.credential.key_id
    assert key_id is not None
    answer = respond(request, chosen, store.key(key_id), client, now=lambda: _now(world))
    assert answer.status_code == 200, answer.text
    result = verdict(client, asked)["verdict"]
    assert result["verified"] is True
    assert result["subject"]["licenseNumber"] and "dateOfBirth" not in result["subject"]


def test_a_tampered_request_object_is_refused_before_anything_is_shown(
    client: TestClient, world: World, roots: VerifierRoots, tmp_path: Path
) -> None:
    asked = ask(client)

    class Tampered:
        """The verifier's real answer, its signature changed on the way (the attack)."""

        def __init__(self, text: str) -> None:
            head, body, signature = text.split(".")
            self.status_code = 200
            self.headers: dict[str, str] = {}
            self.text = f"{head}.{body}.{signature[:-4]}AAAA"

    class Tampering:
        def get(self, url: str, **kwargs: Any) -> Tampered:
            return Tampered(client.get(url, **kwargs).text)

        post = client.post

    with pytest.raises(WalletError) as raised:
        fetch_request(
            asked.created["authorization_request"],
            Tampering(),
            roots=roots,
            now=lambda: _now(world),
        )
    assert raised.value.code == "wallet.request_invalid"


def test_a_request_no_credential_answers_is_said_so(
    client: TestClient, world: World, roots: VerifierRoots, tmp_path: Path
) -> None:
    store = _wallet(tmp_path, world, with_credential=False)
    asked = ask(client)
    request = fetch_request(
        asked.created["authorization_request"], client, roots=roots, now=lambda: _now(world)
    )
    with pytest.raises(WalletError) as raised:
        match(request, store.credentials())
    assert raised.value.code == "wallet.no_match"


def test_a_verifier_whose_certificate_does_not_match_its_response_uri_is_refused(
    client: TestClient, world: World
) -> None:
    asked = ask(client)
    leaf = leaf_of(asked.header["x5c"])
    with pytest.raises(WalletError) as raised:
        check_identity(asked.request["client_id"], "https://attacker.example/oid4vp/response", leaf)
    assert raised.value.code == "wallet.verifier_mismatch"
    with pytest.raises(WalletError) as raised:
        check_identity("x509_hash:AAAA", asked.request["response_uri"], leaf)
    assert raised.value.code == "wallet.verifier_mismatch"


def _foreign_request(
    tmp_path: Path, now: float, enc_values: list[str] | None
) -> tuple[httpx.Client, VerifierRoots]:
    """Another verifier's signed request for an encrypted answer, listing ``enc_values`` (or
    nothing), served over httpx's own mock transport; and its certificate as a root."""
    identity = development_identity(tmp_path / "foreign", "localhost")
    der = identity.chain[0].public_bytes(serialization.Encoding.DER)
    metadata: dict[str, Any] = {
        "jwks": {"keys": [{**public_jwk(generate_key("p256").public_key), "kid": "k"}]}
    }
    if enc_values is not None:
        metadata["encrypted_response_enc_values_supported"] = enc_values
    claims = {
        "client_id": "x509_san_dns:localhost",
        "response_uri": "https://localhost/response",
        "response_mode": "direct_post.jwt",
        "response_type": "vp_token",
        "nonce": "n-1",
        "dcql_query": {"credentials": []},
        "client_metadata": metadata,
        "iat": int(now),
        "exp": int(now) + 300,
    }
    header = {"typ": "oauth-authz-req+jwt", "x5c": [base64.b64encode(der).decode()]}
    signed = sign_jws(header, claims, identity.key)
    served = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200, text=signed)))
    return served, VerifierRoots(identity.chain)


_FOREIGN_LINK = (
    "openid4vp://?client_id=x509_san_dns%3Alocalhost&request_uri=https%3A%2F%2Flocalhost%2Fr"
)


@pytest.mark.parametrize(
    ("offered", "used"),
    [(None, "A128GCM"), (["A256GCM"], "A256GCM"), (["A256GCM", "A128GCM"], "A256GCM")],
)
def test_the_answer_is_encrypted_with_a_content_encryption_the_verifier_lists(
    tmp_path: Path, offered: list[str] | None, used: str
) -> None:
    """OpenID4VP 1.0 §5.1: ``encrypted_response_enc_values_supported``, A128GCM by default."""
    now = time.time()
    foreign, roots = _foreign_request(tmp_path, now, offered)
    with foreign:
        request = fetch_request(_FOREIGN_LINK, foreign, roots=roots, now=lambda: now)
    assert request.encryption_enc == used


def test_a_verifier_listing_no_content_encryption_the_wallet_makes_is_refused(
    tmp_path: Path,
) -> None:
    now = time.time()
    foreign, roots = _foreign_request(tmp_path, now, ["A192GCM"])
    with foreign, pytest.raises(WalletError) as raised:
        fetch_request(_FOREIGN_LINK, foreign, roots=roots, now=lambda: now)
    assert raised.value.code == "wallet.request_invalid"
