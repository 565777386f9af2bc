"""``shikaku card`` with the in-process emulator: every command, PIN handling, messages."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import select
import subprocess
from pathlib import Path

from cryptography import x509
from typer.testing import CliRunner

from cli.app import app
from jpki_bridge.binding import verify_proof
from jpki_bridge.certs import CertKind, four_facts
from jpki_bridge.nonces import issue_challenge
from jpki_bridge.pki import TestPki, load_test_pki
from jpki_bridge.validation import TrustAnchors
from service_kit.nonces import InMemoryNonceStore
from tests.jpki_bridge.pcsc.stack import shikaku_command
from vc_core.keys import generate_key, jwk_thumbprint, public_jwk

runner = CliRunner()


def card(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["card", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_status_shows_tries_left(card_dir: Path) -> None:
    code, out, _ = card("status", "--emulator", str(card_dir))
    assert code == 0
    assert "token: JPKIAPICCTOKEN2" in out
    assert "残り3回 / 3 of 3 tries left" in out
    assert "残り5回 / 5 of 5 tries left" in out


def test_certs_with_and_without_the_sign_password(
    card_dir: Path, pki: TestPki, tmp_path: Path
) -> None:
    code, out, _ = card("certs", "--emulator", str(card_dir))
    assert code == 0
    assert "auth:" in out
    assert "sign:" not in out
    target = tmp_path / "out"
    code, out, err = card(
        "certs", "--sign", "--pin-stdin", "--emulator", str(card_dir), "--out", str(target),
        stdin="ABC123\n",
    )  # fmt: skip
    assert code == 0, err
    assert "残り5回" in err
    assert "氏名 name        試験\u3000花子" in out
    assert "(平成 419900102)" in out
    sign = x509.load_pem_x509_certificate((target / "sign.pem").read_bytes())
    assert four_facts(sign) == four_facts(pki.sign_cert)


def test_info_reads_the_kenhojo_record(card_dir: Path) -> None:
    code, out, err = card("info", "--pin-stdin", "--emulator", str(card_dir), stdin="1234\n")
    assert code == 0, err
    assert "試験\u3000花子" in out
    assert "1990-01-02" in out
    assert "女 / female" in out


def test_sign_challenge_gives_a_proof_the_verifier_accepts(card_dir: Path, pki: TestPki) -> None:
    nonces = InMemoryNonceStore()
    now = dt.datetime.now(dt.UTC)
    challenge = issue_challenge(nonces, "https://board.example.jp", "issuance", now=now)
    code, out, err = card(
        "sign-challenge", "--nonce", challenge.nonce, "--audience", "https://board.example.jp",
        "--pin-stdin", "--emulator", str(card_dir), stdin="1234\n",
    )  # fmt: skip
    assert code == 0, err
    result = verify_proof(
        json.loads(out),
        audience="https://board.example.jp",
        purpose="issuance",
        nonces=nonces,
        anchors=TrustAnchors((pki.auth_ca_cert,)),
        now=now,
    )
    assert result.kind is CertKind.AUTH


def test_sign_challenge_with_the_sign_key_and_a_wallet(card_dir: Path, tmp_path: Path) -> None:
    wallet = generate_key("p256")
    jwk_file = tmp_path / "wallet.jwk"
    wallet.save(jwk_file)
    nonce = "N" * 43
    code, out, err = card(
        "sign-challenge", "--nonce", nonce, "--audience", "https://board.example.jp",
        "--purpose", "wallet-link", "--key", "sign", "--wallet-jwk", str(jwk_file),
        "--pin-stdin", "--emulator", str(card_dir), stdin="ABC123\n",
    )  # fmt: skip
    assert code == 0, err
    proof = json.loads(out)
    assert proof["key"] == "sign"
    assert proof["wallet_jwk_thumbprint"] == jwk_thumbprint(public_jwk(wallet.public_key))


def test_wrong_pin_message_is_bilingual_with_tries_left(card_dir: Path) -> None:
    code, _, err = card("info", "--pin-stdin", "--emulator", str(card_dir), stdin="9999\n")
    assert code == 2
    assert "error: card.pin_incorrect: 暗証番号が違います。残り2回 / wrong PIN; 2 tries left" in err
    assert "9999" not in err


def test_last_try_needs_consent_and_blocked_says_so(card_dir: Path) -> None:
    for _ in range(2):
        card("sign-challenge", "--nonce", "N" * 43, "--audience", "https://a.example",
             "--pin-stdin", "--emulator", str(card_dir), stdin="0000\n")  # fmt: skip
    code, _, err = card(
        "sign-challenge", "--nonce", "N" * 43, "--audience", "https://a.example",
        "--pin-stdin", "--emulator", str(card_dir), stdin="1234\n",
    )  # fmt: skip
    assert code == 2
    assert "error: card.pin_last_try: 残り1回です。続けるには --allow-last-try" in err
    code, _, err = card(
        "sign-challenge", "--nonce", "N" * 43, "--audience", "https://a.example",
        "--pin-stdin", "--allow-last-try", "--emulator", str(card_dir), stdin="0000\n",
    )  # fmt: skip
    assert code == 2
    assert "error: card.pin_blocked: 暗証番号がロックされています" in err
    code, out, _ = card("status", "--emulator", str(card_dir))
    assert "(blocked / ロック)" in out


def test_a_malformed_pin_spends_nothing(card_dir: Path) -> None:
    code, _, err = card("info", "--pin-stdin", "--emulator", str(card_dir), stdin="12345\n")
    assert code == 2
    assert "card.pin_format" in err
    assert "回数は減っていません" in err
    code, out, _ = card("status", "--emulator", str(card_dir))
    assert out.count("残り3回 / 3 of 3 tries left") == 2


def test_pins_are_never_command_line_arguments(card_dir: Path) -> None:
    for command in ("certs", "info", "sign-challenge"):
        code, _, err = card(command, "--pin", "1234", "--emulator", str(card_dir))
        assert code == 2
        assert "No such option" in err


def test_make_test_pki(tmp_path: Path) -> None:
    out = tmp_path / "pki"
    code, stdout, err = card("make-test-pki", "--out", str(out))
    assert code == 0, err
    loaded = load_test_pki(out)
    assert (loaded.auth_pin, loaded.sign_pin) == ("1234", "ABC123")
    assert "auth-ca.pem" in stdout
    code, _, err = card("make-test-pki", "--out", str(out))
    assert code == 2
    assert "card.test_pki_invalid" in err


def test_make_test_pki_with_chosen_pins_and_person(tmp_path: Path) -> None:
    out = tmp_path / "pki"
    code, _, err = card(
        "make-test-pki", "--out", str(out), "--pin-stdin", "--name", "山田\u3000太郎",
        "--birth-date", "1975-08-15", "--sex", "1", stdin="4321\nPASS2024\n",
    )  # fmt: skip
    assert code == 0, err
    loaded = load_test_pki(out)
    assert (loaded.auth_pin, loaded.sign_pin) == ("4321", "PASS2024")
    facts = four_facts(loaded.sign_cert)
    assert facts.birth_date.encode() == "319750815"
    assert facts.given_name == "太郎"


def test_a_missing_emulator_state_is_a_card_error(tmp_path: Path) -> None:
    code, _, err = card("status", "--emulator", str(tmp_path / "no-card"))
    assert code == 2
    assert "card.emulator_state" in err


def test_the_pin_prompt_does_not_echo(card_dir: Path) -> None:
    """Through a real terminal: getpass turns echo off, so the typed PIN never shows."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(shikaku_command()), "card", "certs", "--sign", "--emulator", str(card_dir)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            ready, _, _ = select.select([controller], [], [], 60)
            assert ready, f"no {marker!r} from the command; saw {seen!r}"
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                return
            if not chunk:
                return
            seen += chunk

    try:
        # First the tries left, then getpass's prompt (written once echo is off).
        read_until(b"tries left")
        read_until(
            b"tries left\r\n" + "署名用パスワード (signing password, 6-16 of A-Z 0-9): ".encode()
        )
        os.write(controller, b"ABC123\n")
        read_until(b"x5t#S256")
        read_until("住所".encode())
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert "残り5回".encode() in seen
    assert b"ABC123" not in seen
    assert "試験\u3000花子".encode() in seen


def test_new_emulator_provisions_a_card_for_in_process_use(tmp_path: Path, pki: TestPki) -> None:
    pki_dir = tmp_path / "pki"
    pki.save(pki_dir)
    code, out, err = card("new-emulator", "--state", str(tmp_path / "card"), "--pki", str(pki_dir))
    assert code == 0, err
    code, out, _ = card("status", "--emulator", str(tmp_path / "card"))
    assert code == 0 and "3 of 3 tries left" in out
    # Provisioning never replaces an existing card (its PIN counters live there).
    code, _, err = card("new-emulator", "--state", str(tmp_path / "card"))
    assert code == 2 and "card.emulator_state" in err
