"""``shikaku issuer offer`` then ``shikaku wallet receive OFFER --emulator DIR``: a board in
service (production settings: only enrolled keys may hold) served by uvicorn on a loopback
port; the nurse's wallet enrols her emulated My Number Card in the OpenID4VCI session and keeps
a card-bound credential. A wrong PIN spends one try, stores nothing and leaves the offer usable.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from cli.app import app
from holder.receive import examine
from holder.store import WalletStore
from issuer.board import Board
from issuer.http import IssuerSettings, create_app
from jpki_bridge.certs import x5t_s256
from jpki_bridge.pin import PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession
from tests.cli.test_wallet_cli import PASS, Wallet, ready, wallet
from tests.issuer.enrolment.conftest import SUBJECT, crl_sources, emulated, holder_record
from tests.jpki_bridge.conftest import card_dir, pki
from tests.serving import serving
from vc_core.keys import generate_key

__all__ = ["card_dir", "pki", "ready", "wallet"]


def board_config(folder: Path, port: int, pki: TestPki) -> Path:
    """Production settings of a board at ``http://127.0.0.1:port``: its key, the test PKI's
    roots and current CRLs, an enrolment secret (only enrolled keys may hold)."""
    key = folder / "board.jwk"
    generate_key("p256").save(key)
    roots = folder / "jpki-roots.pem"
    roots.write_bytes(
        b"".join(c.public_bytes(Encoding.PEM) for c in (pki.auth_ca_cert, pki.sign_ca_cert))
    )
    (folder / "crls").mkdir()
    crls = ", ".join(f'"{s.location}"' for s in crl_sources(pki, folder / "crls"))
    config = folder / "board.toml"
    config.write_text(
        f'data_dir = "{folder / "board"}"\nenvironment = "production"\n'
        f'public_url = "http://127.0.0.1:{port}"\nsigning_key = "{key}"\n'
        f'jpki_anchors = ["{roots}"]\njpki_crl = [{crls}]\n'
        f'enrolment_secret = "{secrets.token_urlsafe(32)}"\n'
    )
    return config


@contextmanager
def serve_board(config: Path, port: int, pki: TestPki) -> Iterator[Board]:
    """The board of ``config`` under uvicorn, its register holding the card holder's record."""
    served = create_app(IssuerSettings.load(toml_file=config))
    with serving(served, port):
        board: Board = served.state.board
        board.store.put_record(holder_record(pki), actor="import")
        yield board


@pytest.fixture
def config(tmp_path: Path, free_tcp_port: int, pki: TestPki) -> Iterator[Path]:
    """The board's settings file, and the board served from it."""
    config = board_config(tmp_path, free_tcp_port, pki)
    with serve_board(config, free_tcp_port, pki):
        yield config


def _offer(config: Path) -> dict[str, str]:
    run = CliRunner().invoke(app, ["issuer", "offer", SUBJECT, "--config", str(config), "--json"])
    assert run.exit_code == 0, run.output
    offer: dict[str, str] = json.loads(run.stdout)
    return offer


def _tries_left(card_dir: Path) -> int:
    with CardSession(emulated(card_dir)) as session:
        return session.pin_status(PinKind.AUTH).tries_left


def test_a_nurse_receives_a_card_bound_credential_with_her_card(
    ready: Wallet, config: Path, card_dir: Path, pki: TestPki
) -> None:
    offer = _offer(config)
    code = ready.file("tx.txt", offer["tx_code"] + "\n")
    receive = ["wallet", "receive", offer["offer_uri"], "--tx-code-file", str(code)]
    receive += ["--emulator", str(card_dir), "--pin-stdin", *ready.passphrase]

    before = _tries_left(card_dir)
    wrong = ready(*receive, input="0000\n")
    assert wrong.code == 2 and "card.pin_incorrect" in wrong.text, wrong.text
    assert _tries_left(card_dir) == before - 1  # one try, never retried
    stored = WalletStore.open(ready.path, PASS)
    assert not stored.credentials()

    right = ready(*receive, input=f"{pki.auth_pin}\n")  # the same offer: nothing was spent
    assert right.code == 0, right.text
    assert pki.auth_pin + "\n" not in right.text and offer["tx_code"] not in right.text
    (credential,) = WalletStore.open(ready.path, PASS).credentials()
    assert credential.holder_mode == "card" and credential.key_id is None
    assert examine(credential.body).binding.certificate == x5t_s256(pki.auth_cert)
    listed = ready("wallet", "list", *ready.passphrase, "--lang", "en")
    assert listed.code == 0 and "Registered nurse" in listed.text
