"""``shikaku issuer enrol``: a subject enrolled with the emulated card, the PIN asked once."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner, Result

from cli.app import app
from issuer.board import open_board
from issuer.enrolment import ENROLMENT_ACTION
from issuer.settings import IssuerSettings
from jpki_bridge.certs import x5t_s256
from jpki_bridge.pki import TestPki
from tests.issuer.enrolment.conftest import SECRET, SUBJECT, holder_record
from vc_core.keys import generate_key, public_jwk


def _board_config(tmp_path: Path, pki: TestPki) -> Path:
    roots = tmp_path / "jpki-roots.pem"
    roots.write_bytes(
        b"".join(c.public_bytes(Encoding.PEM) for c in (pki.auth_ca_cert, pki.sign_ca_cert))
    )
    data = tmp_path / "board"
    config = tmp_path / "board.toml"
    config.write_text(
        f'data_dir = "{data}"\nenvironment = "development"\n'
        f'public_url = "https://board.example.jp"\njpki_anchors = ["{roots}"]\n'
        f'enrolment_secret = "{SECRET}"\n'
    )
    board = open_board(IssuerSettings.load(toml_file=config))
    try:
        board.store.put_record(holder_record(pki), actor="import")
    finally:
        board.close()
    return config


def enrol(config: Path, card_dir: Path, pins: str, *options: str) -> Result:
    """``shikaku issuer enrol`` with the emulated card, PINs typed on standard input."""
    command = ["issuer", "enrol", SUBJECT, "--config", str(config)]
    command += ["--emulator", str(card_dir), "--pin-stdin", *options]
    return CliRunner().invoke(app, command, input=pins)


def test_enrol_in_card_mode_with_the_emulator(tmp_path: Path, pki: TestPki, card_dir: Path) -> None:
    config = _board_config(tmp_path, pki)
    result = enrol(config, card_dir, "1234\n")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["mode"] == "card" and out["cardKey"] == "auth"
    assert out["cnf"]["x5t#S256"] == x5t_s256(pki.auth_cert)
    assert "1234" not in result.stderr


def test_enrol_in_wallet_mode_with_the_signing_key(
    tmp_path: Path, pki: TestPki, card_dir: Path
) -> None:
    config = _board_config(tmp_path, pki)
    wallet = public_jwk(generate_key("p256").public_key)
    wallet_file = tmp_path / "wallet.jwk"
    wallet_file.write_text(json.dumps(wallet))
    options = ["--mode", "wallet", "--wallet-key", str(wallet_file), "--card-key", "sign"]
    result = enrol(config, card_dir, "ABC123\n", *options)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cnf"] == {"jwk": wallet}
    assert out["cardKey"] == "sign"


def test_a_wrong_pin_is_refused_once_and_nothing_is_enrolled(
    tmp_path: Path, pki: TestPki, card_dir: Path
) -> None:
    config = _board_config(tmp_path, pki)
    result = enrol(config, card_dir, "9999\n1234\n")
    assert result.exit_code == 2
    assert "card.pin_incorrect" in result.output
    # One try spent, the second line never read: status shows 2 of 3 left.
    status = CliRunner().invoke(app, ["card", "status", "--emulator", str(card_dir)])
    assert "2 of 3" in status.output
    board = open_board(IssuerSettings.load(toml_file=config))
    try:
        assert not [e for e in board.store.events() if e.action == ENROLMENT_ACTION]
    finally:
        board.close()
