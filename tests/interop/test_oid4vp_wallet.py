"""A third-party OpenID4VP 1.0 wallet answers the employer's verifier over real HTTPS.

The wallet is ``oid4vp_wallet.mjs`` in this folder: the OpenWallet Foundation's
``@openid4vc/openid4vp`` (oid4vc-ts) resolves our ``openid4vp://`` URI — fetches the request
object by ``request_uri``, checks the ``x509_san_dns`` client identifier against the ``x5c``
leaf's SAN and the ``response_uri`` host — and builds and submits the response, encrypted
for ``direct_post.jwt`` by its own JARM code; ``@sd-jwt/core`` makes the ``dc+sd-jwt``
presentation and its KB-JWT from a credential our board issued. The packages are installed
at test time by :mod:`tests.interop.node`; without npm, or with the registry out of reach, the
test skips and says so.

The verifier is the real app under uvicorn on a loopback port, over TLS with its own
development certificate (which the wallet trusts through ``NODE_EXTRA_CA_CERTS`` and pins as
the relying party's certificate). A presentation verifies in both response modes and with an
``x509_hash`` client identifier (which the library recomputes); a replayed response, a
tampered disclosure and another holder's key are refused.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization

from tests.interop.node import install
from tests.verifier.world import BASE, World, handler, make_world
from vc_core.clock import FixedClock
from vc_core.keys import generate_key
from verifier.http import VerifierSettings, create_app
from verifier.oid4vp.identity import development_identity

SCRIPT = "oid4vp_wallet.mjs"


@dataclass
class Served:
    url: str
    certificate: Path
    world: World


@pytest.fixture
def served(tmp_path: Path, free_tcp_port: int) -> Iterator[Served]:
    world = make_world(tmp_path, clock=FixedClock(datetime.now(UTC).replace(microsecond=0)))
    url = f"https://localhost:{free_tcp_port}"
    data_dir = tmp_path / "verifier"
    # The development identity doubles as the TLS certificate of localhost.
    identity = development_identity(data_dir / "oid4vp", "localhost")
    certificate, key = data_dir / "oid4vp" / "tls.pem", data_dir / "oid4vp" / "tls-key.pem"
    certificate.write_bytes(identity.chain[0].public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        identity.key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    registry = tmp_path / "trust.toml"
    world.trust.save(registry)
    settings = VerifierSettings.load(
        data_dir=data_dir,
        audience=url,
        trust_registry=registry,
        status_allow=(BASE + "/",),
        environment="development",
    )
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=free_tcp_port,
            log_level="warning",
            ssl_certfile=str(certificate),
            ssl_keyfile=str(key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the verifier did not start under uvicorn")
        time.sleep(0.05)
    yield Served(url, certificate, world)
    server.should_exit = True
    thread.join(timeout=30)
    world.registry.close()


def _wallet(
    served: Served, script: Path, asked: dict[str, Any], attack: str, **extra: Any
) -> list[Any]:
    sd_jwt, _ = served.world.sd_jwt()
    message = {
        "authorization_request": asked["authorization_request"],
        "credential": sd_jwt,
        "holder_jwk": served.world.holder.private_jwk(),
        "other_holder_jwk": generate_key("p256").private_jwk(),
        "iat": int(served.world.clock().timestamp()),
        "trusted_certificate_pem": served.certificate.read_text(),
        "attack": attack,
        **extra,
    }
    environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(served.certificate)}
    done = subprocess.run(
        [str(shutil.which("node")), str(script)],
        input=json.dumps(message),
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=script.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _create(served: Served, mode: str, prefix: str = "x509_san_dns", **more: str) -> dict[str, Any]:
    asked = {
        "qualification": "kangoshi",
        "profile": "employer",
        "response_mode": mode,
        "client_id_prefix": prefix,
        **more,
    }
    with httpx.Client(verify=ssl.create_default_context(cafile=served.certificate)) as client:
        answer = client.post(f"{served.url}/oid4vp/transactions", json=asked)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _verdict(served: Served, created: dict[str, Any]) -> dict[str, Any]:
    with httpx.Client(verify=ssl.create_default_context(cafile=served.certificate)) as client:
        answer = client.get(
            f"{served.url}/oid4vp/transactions/{created['id']}",
            headers={"Authorization": f"Bearer {created['secret']}"},
        )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def script() -> Path:
    return install(SCRIPT) / SCRIPT


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
def test_the_third_party_wallet_presents_and_is_verified(
    served: Served, script: Path, mode: str
) -> None:
    created = _create(served, mode)
    steps = _wallet(served, script, created, "none")
    resolved, made, submitted = steps
    assert resolved["version"] == 100  # the library's number for OpenID4VP 1.0 final
    assert resolved["client"] == {"prefix": "x509_san_dns", "identifier": "localhost"}
    assert resolved["jar_signer"] == "x5c"
    assert resolved["response_mode"] == mode
    assert made["encrypted"] is (mode == "direct_post.jwt")
    if mode == "direct_post.jwt":
        header = made["jwe_header"]
        assert (header["alg"], header["enc"], header["epk"]["crv"]) == (
            "ECDH-ES",
            "A128GCM",
            "P-256",
        )
        assert header["kid"] == created["id"]  # the transaction's key, named by the library
    assert submitted["status"] == 200, submitted["body"]
    result = _verdict(served, created)["verdict"]
    assert result["verified"] is True, result
    assert result["subject"]["licenseNumber"]
    assert {c["check"]: c["outcome"] for c in result["checks"]}["dcql"] == "passed"


def test_the_third_party_wallet_checks_our_x509_hash_client_id(
    served: Served, script: Path
) -> None:
    created = _create(served, "direct_post.jwt", prefix="x509_hash")
    resolved, _, submitted = _wallet(served, script, created, "none")
    # The library recomputed the hash of the x5c leaf and found it equal to ours.
    assert resolved["client"]["prefix"] == "x509_hash"
    assert f"x509_hash:{resolved['client']['identifier']}" == created["client_id"]
    assert submitted["status"] == 200, submitted["body"]
    assert _verdict(served, created)["verdict"]["verified"] is True


def test_the_third_party_wallet_fetches_the_request_by_post(served: Served, script: Path) -> None:
    created = _create(served, "direct_post.jwt", request_uri_method="post")
    assert created["authorization_request"].endswith("&request_uri_method=post")
    # (@openid4vc/openid4vp 0.4.6 POSTs its wallet metadata's members as the form, without
    # wallet_nonce, so there is nothing for the object to echo; it verifies the object all
    # the same.)
    resolved, _, submitted = _wallet(served, script, created, "none", wallet_nonce="w-123")
    assert resolved["client"]["prefix"] == "x509_san_dns"
    assert submitted["status"] == 200, submitted["body"]
    assert _verdict(served, created)["verdict"]["verified"] is True


def test_a_replayed_response_from_the_wallet_is_refused(served: Served, script: Path) -> None:
    created = _create(served, "direct_post.jwt")
    _, _, first, second = _wallet(served, script, created, "replay")
    assert first["status"] == 200, first["body"]
    assert second["status"] == 409
    assert json.loads(second["body"])["code"] == "oid4vp.transaction_answered"


@pytest.mark.parametrize(
    ("attack", "code"),
    [("tamper", "sdjwt.disclosure_unreferenced"), ("other_key", "kb.signature_invalid")],
)
def test_the_wallets_forgeries_are_refused(
    served: Served, script: Path, attack: str, code: str
) -> None:
    created = _create(served, "direct_post.jwt")
    _, _, submitted = _wallet(served, script, created, attack)
    assert submitted["status"] == 400, submitted["body"]
    assert json.loads(submitted["body"])["code"] == code
    assert _verdict(served, created)["verdict"]["verified"] is False
