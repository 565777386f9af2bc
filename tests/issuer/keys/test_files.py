"""Encrypted key files: round trips, a wrong or missing passphrase, mode 0600, no overwrite,
and the development board's own key."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from issuer.board import open_board
from issuer.keys import is_encrypted, key_info, load_signing_key, open_signer, save_encrypted
from issuer.settings import IssuerSettings
from vc_core.errors import ConfigError, InputError, KeyMaterialError
from vc_core.keys import KeyType, generate_key, public_jwk, verify_signature

PASSPHRASE = "correct horse battery staple 1984 ☃"


@pytest.mark.parametrize("key_type", ["p256", "ed25519"])
def test_an_encrypted_key_file_round_trips_and_signs(tmp_path: Path, key_type: KeyType) -> None:
    key = generate_key(key_type)
    path = tmp_path / "board.pem"
    save_encrypted(key, path, PASSPHRASE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert is_encrypted(path)
    loaded = load_signing_key(path, SecretStr(PASSPHRASE))
    assert public_jwk(loaded.public_key) == public_jwk(key.public_key)
    message = b"a board signs this"
    verify_signature(key.public_key, loaded.sign(message), message)


def test_a_wrong_passphrase_is_a_clear_error_that_never_shows_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "board.pem"
    save_encrypted(generate_key("p256"), path, PASSPHRASE)
    wrong = "not the passphrase at all, sorry"
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyMaterialError) as raised:
        load_signing_key(path, wrong)
    assert raised.value.code == "key.passphrase_incorrect"
    assert wrong not in str(raised.value) and PASSPHRASE not in str(raised.value)
    assert wrong not in caplog.text
    assert raised.value.__suppress_context__  # cryptography's error is not chained in


def test_an_encrypted_file_without_a_passphrase_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "board.pem"
    save_encrypted(generate_key("ed25519"), path, PASSPHRASE)
    with pytest.raises(KeyMaterialError) as raised:
        load_signing_key(path)
    assert raised.value.code == "key.passphrase_missing"
    with pytest.raises(KeyMaterialError) as empty:
        load_signing_key(path, "")
    assert empty.value.code == "key.passphrase_missing"


def test_the_passphrase_prompt_is_asked_once_and_only_for_an_encrypted_file(
    tmp_path: Path,
) -> None:
    asked: list[int] = []

    def prompt() -> str:
        asked.append(1)
        return PASSPHRASE

    jwk_path = tmp_path / "board.jwk"
    generate_key("p256").save(jwk_path)
    load_signing_key(jwk_path, prompt)
    assert asked == []
    pem = tmp_path / "board.pem"
    save_encrypted(generate_key("p256"), pem, PASSPHRASE)
    load_signing_key(pem, prompt)
    assert asked == [1]


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "board.pem"
    save_encrypted(generate_key("p256"), path, PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(InputError) as raised:
        save_encrypted(generate_key("p256"), path, PASSPHRASE)
    assert raised.value.code == "input.unwritable"
    assert path.read_bytes() == before


def test_an_empty_passphrase_encrypts_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError) as raised:
        save_encrypted(generate_key("p256"), tmp_path / "k.pem", "")
    assert raised.value.code == "key.passphrase_missing"
    assert not (tmp_path / "k.pem").exists()


def test_a_damaged_or_foreign_file_is_file_invalid(tmp_path: Path) -> None:
    path = tmp_path / "junk.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyMaterialError) as raised:
        load_signing_key(path)
    assert raised.value.code == "key.file_invalid"
    with pytest.raises(InputError) as missing:
        load_signing_key(tmp_path / "absent.pem", PASSPHRASE)
    assert missing.value.code == "input.unreadable"


def test_settings_choose_an_encrypted_file_and_the_old_jwk(tmp_path: Path) -> None:
    pem, jwk = tmp_path / "board.pem", tmp_path / "board.jwk"
    key = generate_key("ed25519")
    save_encrypted(key, pem, PASSPHRASE)
    generate_key("p256").save(jwk)
    signer = open_signer(
        IssuerSettings(
            data_dir=tmp_path, signing_key=pem, signing_key_passphrase=SecretStr(PASSPHRASE)
        )
    )
    assert signer.algorithm == "EdDSA"
    assert key_info(signer).public_jwk == public_jwk(key.public_key)
    assert "d" not in key_info(signer).to_json()["publicJwk"]
    assert open_signer(IssuerSettings(data_dir=tmp_path, signing_key=jwk)).algorithm == "ES256"
    # No passphrase in the settings: the caller's prompt answers, a wrong one is refused.
    with pytest.raises(KeyMaterialError) as raised:
        open_signer(IssuerSettings(data_dir=tmp_path, signing_key=pem), passphrase=lambda: "nope")
    assert raised.value.code == "key.passphrase_incorrect"


def test_a_short_passphrase_setting_is_refused_outside_development(tmp_path: Path) -> None:
    pem = tmp_path / "board.pem"
    save_encrypted(generate_key("p256"), pem, "short")
    with pytest.raises(ConfigError) as raised:
        IssuerSettings.load(data_dir=tmp_path, signing_key=pem, signing_key_passphrase="short")
    assert raised.value.code == "config.secret_placeholder"
    assert "short" not in str(raised.value).replace("shorter", "")


def test_a_development_board_with_a_passphrase_makes_an_encrypted_key(tmp_path: Path) -> None:
    settings = IssuerSettings(
        data_dir=tmp_path,
        environment="development",
        signing_key_passphrase=SecretStr(PASSPHRASE),
    )
    board = open_board(settings)
    board.close()
    path = tmp_path / "issuer-signing-key.pem"
    assert is_encrypted(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not settings.development_key_path.exists()
    again = open_board(settings)
    try:
        assert again.did == board.did
    finally:
        again.close()
    # Without the passphrase the same board cannot open its key (the plain JWK is another key).
    with pytest.raises(KeyMaterialError) as raised:
        load_signing_key(path, "a different passphrase entirely")
    assert raised.value.code == "key.passphrase_incorrect"
