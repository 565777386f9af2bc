"""``shikaku issuer keygen`` and ``key-info``: an encrypted key file, and only public facts."""

from __future__ import annotations

import getpass
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from issuer.keys import is_encrypted, load_signing_key
from vc_core.did import did_key_from_public_key

PASSPHRASE = "a long passphrase for the board key, 2026"


def _passphrase_file(tmp_path: Path, text: str = PASSPHRASE) -> Path:
    path = tmp_path / "passphrase"
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize(("key_type", "algorithm"), [("p256", "ES256"), ("ed25519", "EdDSA")])
def test_keygen_writes_an_encrypted_key_and_key_info_shows_only_its_public_side(
    tmp_path: Path, key_type: str, algorithm: str
) -> None:
    out = tmp_path / "board.pem"
    secret = _passphrase_file(tmp_path)
    made = CliRunner().invoke(
        app, ["issuer", "keygen", str(out), "--type", key_type, "--passphrase-file", str(secret)]
    )
    assert made.exit_code == 0, made.output
    assert is_encrypted(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = load_signing_key(out, PASSPHRASE)
    assert made.output.splitlines()[0] == did_key_from_public_key(key.public_key)

    config = tmp_path / "board.toml"
    config.write_text(f'data_dir = "{tmp_path}"\nsigning_key = "{out}"\n')
    shown = CliRunner().invoke(
        app, ["issuer", "key-info", "--config", str(config), "--passphrase-file", str(secret)]
    )
    assert shown.exit_code == 0, shown.output
    info = json.loads(shown.output)
    assert info["algorithm"] == algorithm
    assert info["didKey"] == did_key_from_public_key(key.public_key)
    assert "d" not in info["publicJwk"]
    assert PASSPHRASE not in shown.output and PASSPHRASE not in made.output


def test_keygen_never_overwrites_and_a_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "board.pem"
    secret = _passphrase_file(tmp_path)
    args = ["issuer", "keygen", str(out), "--passphrase-file", str(secret)]
    assert CliRunner().invoke(app, args).exit_code == 0
    before = out.read_bytes()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "input.unwritable" in again.output
    assert out.read_bytes() == before
    config = tmp_path / "board.toml"
    config.write_text(f'data_dir = "{tmp_path}"\nsigning_key = "{out}"\n')
    wrong = _passphrase_file(tmp_path / "..", "not the passphrase")
    shown = CliRunner().invoke(
        app, ["issuer", "key-info", "--config", str(config), "--passphrase-file", str(wrong)]
    )
    assert shown.exit_code == 2
    assert "key.passphrase_incorrect" in shown.output
    assert "not the passphrase" not in shown.output


def test_keygen_asks_twice_and_refuses_two_different_passphrases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The holder at the keyboard: two answers, typed without echo.
    answers = iter([PASSPHRASE, PASSPHRASE + "!"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    out = tmp_path / "board.pem"
    result = CliRunner().invoke(app, ["issuer", "keygen", str(out)])
    assert result.exit_code == 2
    assert "key.passphrase_mismatch" in result.output
    assert not out.exists()
