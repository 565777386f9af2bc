"""Issue 13, Done 2: a card-mode presentation from the wallet, signed on the emulated card over
the real PC/SC stack (pcscd + vpcd + ``shikaku card emulate``), verifies at the project's
verifier (OpenID4VP, served by uvicorn); with a wrong PIN the tries left drop by exactly one
and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from issuer.jose_forms import HolderBinding, TokenStatus
from issuer.securing import secure
from jpki_bridge.pcsc import PcscTransport
from jpki_bridge.pin import PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession, CertSlot
from tests.holder.test_card_receive import assert_verified_on_card
from tests.jpki_bridge.pcsc.stack import READER, Emulator, run_shikaku
from tests.verifier.hospital import development_certificate
from tests.verifier.hospital import hospital as serve_hospital
from tests.verifier.world import World
from vc_schemas.registry import loader as schemas_loader

pytestmark = pytest.mark.pcsc

PASS = "correct horse battery staple, twice"


@pytest.fixture
def hospital(tmp_path: Path, free_tcp_port: int, pki: TestPki) -> Iterator[tuple[World, str]]:
    anchor = tmp_path / "jpki-auth-ca.pem"
    anchor.write_bytes(pki.auth_ca_cert.public_bytes(Encoding.PEM))
    with serve_hospital(tmp_path, free_tcp_port, anchors=(anchor,)) as served:
        yield served


def _tries_left() -> int:
    with CardSession(PcscTransport.connect(READER)) as session:
        return session.pin_status(PinKind.AUTH).tries_left


def test_a_card_mode_presentation_from_the_wallet(
    emulator: Emulator, pki: TestPki, hospital: tuple[World, str], tmp_path: Path
) -> None:
    world, served = hospital
    with CardSession(PcscTransport.connect(READER)) as session:
        certificate = session.read_certificate(CertSlot.AUTH)
    credential = world.unsigned(status=False)
    entries = world.registry.allocate(credential["id"], issuer=world.issuer)
    issued = secure(
        credential,
        form="dc+sd-jwt",
        signer=world.key,
        loader=schemas_loader(),
        clock=world.clock,
        holder=HolderBinding.of_certificate(certificate),
        status=TokenStatus.of_entries(entries),
    )
    assert isinstance(issued, str)
    (tmp_path / "cred.sdjwt").write_text(issued)
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    secret.chmod(0o600)
    env = {"SHIKAKU_WALLET": str(tmp_path / "wallet" / "wallet.json")}
    passphrase = ("--passphrase-file", str(secret))
    assert run_shikaku("wallet", "init", *passphrase, env=env).returncode == 0
    added = run_shikaku("wallet", "add", str(tmp_path / "cred.sdjwt"), *passphrase, env=env)
    assert added.returncode == 0, added.stderr
    created = httpx.post(served + "/oid4vp/transactions", json={"qualification": "kangoshi"})
    body = created.json()
    present = (
        *("wallet", "present", body["authorization_request"], "--yes", "--reader", READER),
        *("--verifier-roots", str(development_certificate(tmp_path))),
    )

    before = _tries_left()
    wrong = run_shikaku(*present, "--pin-stdin", *passphrase, stdin="0000\n", env=env)
    assert wrong.returncode != 0 and "card.pin_incorrect" in wrong.stderr, wrong.stderr
    assert _tries_left() == before - 1  # exactly one try spent, none retried
    state = httpx.get(
        f"{served}/oid4vp/transactions/{body['id']}",
        headers={"Authorization": f"Bearer {body['secret']}"},
    ).json()
    assert state["status"] == "pending"  # nothing was sent

    right = run_shikaku(*present, "--pin-stdin", *passphrase, stdin=f"{pki.auth_pin}\n", env=env)
    assert right.returncode == 0, right.stderr
    assert pki.auth_pin not in right.stdout + right.stderr
    assert_verified_on_card(httpx.get, served, body)
