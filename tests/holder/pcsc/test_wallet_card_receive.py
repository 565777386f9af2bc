"""The whole card story over the real PC/SC stack (pcscd + vpcd + ``shikaku card emulate``) and
real HTTP (uvicorn), the CLI run as a user runs it: the board (production settings: enrolled
keys only) makes an offer with ``shikaku issuer offer``; ``shikaku wallet receive --reader``
enrols the card and keeps a card-bound credential — after a wrong PIN that spent exactly one
try and nothing else; ``shikaku wallet present --reader`` signs on the card, and the project's
verifier finds it valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from issuer.store import subject_of
from jpki_bridge.pcsc import PcscTransport
from jpki_bridge.pin import PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession
from tests.cli.test_wallet_receive_card import board_config, serve_board
from tests.holder.test_card_receive import assert_verified_on_card, trusting
from tests.jpki_bridge.pcsc.stack import READER, Emulator, run_shikaku
from tests.serving import serving
from tests.verifier.hospital import development_certificate
from tests.verifier.world import handler
from verifier.http import create_app as verifier_app

pytestmark = pytest.mark.pcsc

PASS = "correct horse battery staple, twice"
SUBJECT = subject_of("kangoshi", "7000001")


def _tries_left() -> int:
    with CardSession(PcscTransport.connect(READER)) as session:
        return session.pin_status(PinKind.AUTH).tries_left


def test_offer_receive_on_the_card_and_present_on_it(
    emulator: Emulator,
    pki: TestPki,
    tmp_path: Path,
    free_tcp_port_factory: Callable[[], int],
) -> None:
    board_port, hospital_port = free_tcp_port_factory(), free_tcp_port_factory()
    config = board_config(tmp_path, board_port, pki)
    with serve_board(config, board_port, pki) as board:
        hospital = f"http://127.0.0.1:{hospital_port}"
        settings = trusting(board, tmp_path, hospital, tmp_path / "jpki-roots.pem")
        app = verifier_app(settings, transport=handler(board.publisher, board.registry))
        with serving(app, hospital_port) as served:
            made = run_shikaku("issuer", "offer", SUBJECT, "--config", str(config), "--json")
            assert made.returncode == 0, made.stderr
            offer = json.loads(made.stdout)
            secret = tmp_path / "pass.txt"
            secret.write_text(PASS + "\n")
            secret.chmod(0o600)
            code = tmp_path / "tx.txt"
            code.write_text(offer["tx_code"] + "\n")
            code.chmod(0o600)
            env = {"SHIKAKU_WALLET": str(tmp_path / "wallet" / "wallet.json")}
            passphrase = ("--passphrase-file", str(secret))
            assert run_shikaku("wallet", "init", *passphrase, env=env).returncode == 0
            receive = [
                *("wallet", "receive", offer["offer_uri"], "--tx-code-file", str(code)),
                *("--reader", READER, "--pin-stdin", *passphrase),
            ]

            before = _tries_left()
            wrong = run_shikaku(*receive, stdin="0000\n", env=env)
            assert wrong.returncode != 0 and "card.pin_incorrect" in wrong.stderr, wrong.stderr
            assert _tries_left() == before - 1
            assert not board.store.credentials_of(SUBJECT)

            right = run_shikaku(*receive, stdin=f"{pki.auth_pin}\n", env=env)
            assert right.returncode == 0, right.stderr
            (issued,) = board.store.credentials_of(SUBJECT)
            assert issued.holder_mode == "card"

            created = httpx.post(
                served + "/oid4vp/transactions", json={"qualification": "kangoshi"}
            )
            body = created.json()
            present = (
                *("wallet", "present", body["authorization_request"], "--yes"),
                *("--verifier-roots", str(development_certificate(tmp_path))),
            )
            shown = run_shikaku(
                *present,
                "--reader",
                READER,
                "--pin-stdin",
                *passphrase,
                stdin=f"{pki.auth_pin}\n",
                env=env,
            )
            assert shown.returncode == 0, shown.stderr
            assert_verified_on_card(httpx.get, served, body)
    assert pki.auth_pin not in right.stdout + right.stderr + shown.stdout + shown.stderr
