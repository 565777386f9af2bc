"""A third-party OpenID4VCI 1.0 wallet receives a board's credentials over real HTTPS.

The wallet is ``@openid4vc/openid4vci`` (openwallet-foundation-labs/oid4vc-ts), driven by
``tests/interop/oid4vci_wallet.mjs``: it resolves a credential offer (by reference, and by
value), reads the issuer and authorization server metadata, redeems the pre-authorized code
with the transaction code under DPoP (retrying on ``use_dpop_nonce``), asks the nonce endpoint for a
``c_nonce``, sends a batch of key proofs for each offered configuration (``dc+sd-jwt`` and
``ldp_vc``) and notifies the board that it accepted them. The board runs under uvicorn on a
loopback port with a certificate from a test CA that Node is told to trust
(``NODE_EXTRA_CA_CERTS``).

The npm packages (pinned in this folder's ``package.json``) are installed at test time by
:mod:`tests.interop.node` (never committed); the test skips, saying why, when node or npm is
absent or the registry cannot be reached.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from issuer.board import open_board
from issuer.oid4vci import Oid4vciIssuer
from issuer.settings import IssuerSettings
from tests.interop.node import install
from tests.issuer.oid4vci.conftest import CREDENTIAL_CHECKS, LDP, RECORD, SD_JWT, SUBJECT, make_app
from vc_core import di
from vc_core.did import did_jwk_from_public_key
from vc_core.jose.jws import parse_jws
from vc_core.keys import public_key_from_jwk
from vc_core.sdjwt import parse_sd_jwt
from vc_schemas.registry import loader as schemas_loader
from verifier.pipeline import verify
from verifier.policy import VerifierPolicy

SCRIPT = Path(__file__).with_name("oid4vci_wallet.mjs")
BATCH = 2
TOKEN = ["POST", "/oid4vci/token"]


@dataclass(frozen=True)
class Tls:
    ca: Path
    certificate: Path
    key: Path


def make_tls(folder: Path) -> Tls:
    """A test CA and a server certificate for 127.0.0.1 and localhost signed by it."""
    start = datetime.now(UTC) - timedelta(hours=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shikaku interop test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    tls = Tls(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    tls.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    tls.certificate.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    tls.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


@contextmanager
def serving(app: Any, sock: socket.socket, tls: Tls) -> Iterator[None]:
    """Serve ``app`` with uvicorn on ``sock`` (HTTPS) in a thread, until the block ends."""
    config = uvicorn.Config(
        app,
        ssl_certfile=str(tls.certificate),
        ssl_keyfile=str(tls.key),
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped before it started")
            threading.Event().wait(0.05)
        yield
    finally:
        server.should_exit = True
        thread.join()


def run_wallet(prefix: Path, tls: Tls, spec: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(tls.ca)}
    done = subprocess.run(
        ["node", str(SCRIPT), str(prefix), json.dumps(spec)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    received: dict[str, Any] = json.loads(done.stdout)
    return received


@pytest.mark.parametrize("handover", ["by_reference", "by_value"])
def test_a_third_party_wallet_receives_sd_jwts_and_ldp_vcs(tmp_path: Path, handover: str) -> None:
    prefix = install()
    tls = make_tls(tmp_path)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = IssuerSettings(
        data_dir=tmp_path / "board",
        environment="development",
        public_url=f"https://127.0.0.1:{port}",
    )
    board = open_board(settings)
    try:
        board.store.put_record(RECORD, actor="import")
        service = Oid4vciIssuer(board)
        created = service.create_offer(SUBJECT, [SD_JWT, LDP])
        offer = created.by_reference if handover == "by_reference" else created.by_value
        spec = {"offer": offer, "txCode": created.tx_code, "batch": BATCH}
        with serving(make_app(board, service), sock, tls):
            received = run_wallet(prefix, tls, spec)
        assert received["version"] == "V1"  # The library read the metadata as OpenID4VCI 1.0.
        assert received["tokenType"] == "DPoP"
        # It asked for a token without a DPoP nonce, was told use_dpop_nonce, and retried.
        tokens = [e for e in received["exchanges"] if e[1] == "/oid4vci/token"]
        expected = [[*TOKEN, 400, "use_dpop_nonce"], [*TOKEN, 200, None]]
        assert tokens == expected, received["exchanges"]
        by_configuration = {r["credentialConfigurationId"]: r for r in received["results"]}
        assert set(by_configuration) == {SD_JWT, LDP}
        check_sd_jwts(by_configuration[SD_JWT])
        check_ldp_vcs(by_configuration[LDP])
        accepted = [
            e for e in board.store.iter_events() if e.action == "oid4vci.credential_accepted"
        ]
        assert len(accepted) == 2 * BATCH
        assert len(board.store.credentials_of(SUBJECT)) == 2 * BATCH
    finally:
        board.close()


def _checks() -> VerifierPolicy:
    return VerifierPolicy().requiring(CREDENTIAL_CHECKS)


def check_sd_jwts(result: dict[str, Any]) -> None:
    assert result["format"] == "dc+sd-jwt" and result["notificationStatus"] == 204
    credentials, holders = result["credentials"], result["holderJwks"]
    assert len(credentials) == BATCH and len(set(credentials)) == BATCH
    for credential, holder in zip(credentials, holders, strict=True):
        claims = parse_jws(parse_sd_jwt(credential).jwt).payload
        assert claims["cnf"]["jwk"] == {k: holder[k] for k in ("kty", "crv", "x", "y")}
        verdict = verify(credential, _checks())
        assert verdict.verified, [f"{c.name}:{c.ok}:{c.code}" for c in verdict.verdict.checks]


def check_ldp_vcs(result: dict[str, Any]) -> None:
    assert result["format"] == "ldp_vc" and result["notificationStatus"] == 204
    credentials, holders = result["credentials"], result["holderJwks"]
    assert len(credentials) == BATCH
    for credential, holder in zip(credentials, holders, strict=True):
        did = did_jwk_from_public_key(public_key_from_jwk(holder))
        assert credential["credentialSubject"]["id"] == did
        di.verify_base(credential, loader=schemas_loader())
        derived = di.derive(
            credential,
            selective_pointers=["/credentialSubject/licenseNumber"],
            loader=schemas_loader(),
        )
        verdict = verify(derived, _checks())
        assert verdict.verified, [f"{c.name}:{c.ok}:{c.code}" for c in verdict.verdict.checks]
