"""Done-when 1: the CLI over pyscard → pcscd → vpcd → ``shikaku card emulate``.

Lists the reader, reads both certificates, shows tries left and signs; a wrong
PIN costs exactly one try and reports the tries left; after the last try the
card reports blocked; restarting the emulator keeps the counters.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509

from jpki_bridge.binding import verify_proof
from jpki_bridge.certs import CertKind, rsa_public_key, x5t_s256
from jpki_bridge.nonces import issue_challenge
from jpki_bridge.pcsc import PcscTransport, list_readers
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession, CertSlot
from jpki_bridge.validation import TrustAnchors
from service_kit.nonces import InMemoryNonceStore
from tests.jpki_bridge.pcsc.stack import READER, Emulator, run_shikaku
from vc_core.errors import CardError
from vc_core.keys import verify_signature

pytestmark = pytest.mark.pcsc


def _status_lines(kind: PinKind) -> str:
    result = run_shikaku("card", "status", "--reader", READER)
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith(kind.label)]
    return line


def test_cli_lists_the_reader_with_a_my_number_card(emulator: Emulator) -> None:
    result = run_shikaku("card", "readers")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(READER))
    assert "card: yes" in line
    assert "JPKI: yes" in line


def test_cli_reads_both_certificates(emulator: Emulator, pki: TestPki, tmp_path: Path) -> None:
    out = tmp_path / "certs"
    result = run_shikaku(
        "card",
        "certs",
        "--sign",
        "--pin-stdin",
        "--reader",
        READER,
        "--out",
        str(out),
        stdin="ABC123\n",
    )
    assert result.returncode == 0, result.stderr
    assert "残り5回 / 5 of 5 tries left" in result.stderr  # shown before the PIN is used
    for name, expected in (("auth", pki.auth_cert), ("sign", pki.sign_cert)):
        assert x509.load_pem_x509_certificate((out / f"{name}.pem").read_bytes()) == expected
    assert "試験\u3000花子" in result.stdout
    assert "ABC123" not in result.stdout + result.stderr


def test_cli_shows_tries_left(emulator: Emulator) -> None:
    assert "残り3回 / 3 of 3 tries left" in _status_lines(PinKind.AUTH)
    assert "残り5回 / 5 of 5 tries left" in _status_lines(PinKind.SIGN)


def test_session_over_pyscard_reads_and_signs(emulator: Emulator, pki: TestPki) -> None:
    assert any(r.name == READER and r.card_present for r in list_readers())
    with CardSession(PcscTransport.connect(READER)) as session:
        assert session.reader == READER
        assert session.read_certificate(CertSlot.AUTH) == pki.auth_cert
        session.verify_pin(Pin(PinKind.AUTH, "1234"))
        signature = session.sign(CertKind.AUTH, b"over pcsc")
    verify_signature(rsa_public_key(pki.auth_cert), signature, b"over pcsc")


def test_wrong_pin_costs_one_try_then_blocks_and_survives_restart(emulator: Emulator) -> None:
    def attempt(password: str, *extra: str) -> tuple[int, str]:
        result = run_shikaku(
            "card",
            "certs",
            "--sign",
            "--pin-stdin",
            "--reader",
            READER,
            *extra,
            stdin=password + "\n",
        )
        return result.returncode, result.stderr

    # Each wrong password costs exactly one try, and the message says how many are left.
    for left in (4, 3, 2, 1):
        code, stderr = attempt("WRONG9")
        assert code == 2
        assert f"error: card.pin_incorrect: 暗証番号が違います。残り{left}回" in stderr
        assert f"残り{left}回 / {left} of 5 tries left" in _status_lines(PinKind.SIGN)
    # A power cycle (a new emulator process) keeps the counter.
    emulator.restart()
    assert "残り1回 / 1 of 5 tries left" in _status_lines(PinKind.SIGN)
    # With one try left the CLI refuses, even with the right password, and spends nothing.
    code, stderr = attempt("ABC123")
    assert code == 2
    assert "card.pin_last_try" in stderr
    assert "残り1回 / 1 of 5 tries left" in _status_lines(PinKind.SIGN)
    # The holder insists and is wrong: the card is blocked.
    code, stderr = attempt("WRONG9", "--allow-last-try")
    assert code == 2
    assert "error: card.pin_blocked" in stderr
    assert "(blocked / ロック)" in _status_lines(PinKind.SIGN)
    # Blocked stays blocked, across a restart too, and the right password is not even sent.
    emulator.restart()
    code, stderr = attempt("ABC123", "--allow-last-try")
    assert code == 2
    assert "error: card.pin_blocked" in stderr
    assert "市区町村" in stderr
    with CardSession(PcscTransport.connect(READER)) as session:
        assert session.pin_status(PinKind.SIGN).blocked
        assert session.pin_status(PinKind.AUTH).tries_left == 3  # the other PIN is untouched


def test_no_card_and_no_reader_are_reported(pcscd: object) -> None:
    result = run_shikaku("card", "status", "--reader", READER)
    assert result.returncode == 2
    assert "error: card.no_card" in result.stderr
    result = run_shikaku("card", "status", "--reader", "No Such Reader 00 00")
    assert result.returncode == 2
    assert "error: card.no_reader" in result.stderr
    with pytest.raises(CardError) as caught:
        PcscTransport.connect(READER)
    assert caught.value.code == "card.no_card"


def test_cli_info_reads_kenhojo_and_never_the_my_number(emulator: Emulator) -> None:
    result = run_shikaku("card", "info", "--pin-stdin", "--reader", READER, stdin="1234\n")
    assert result.returncode == 0, result.stderr
    assert "試験\u3000花子" in result.stdout
    assert "1990-01-02" in result.stdout
    assert "kenhojo 0002" in emulator.accessed()
    assert "kenhojo 0001" not in emulator.accessed()


def test_cli_signs_a_challenge_over_pcsc(emulator: Emulator, pki: TestPki) -> None:
    nonces = InMemoryNonceStore()
    now = dt.datetime.now(dt.UTC)
    challenge = issue_challenge(nonces, "https://board.example.jp", "issuance", now=now)
    result = run_shikaku(
        "card", "sign-challenge", "--nonce", challenge.nonce,
        "--audience", "https://board.example.jp", "--pin-stdin", "--reader", READER,
        stdin="1234\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "残り3回 / 3 of 3 tries left" in result.stderr
    verified = verify_proof(
        json.loads(result.stdout),
        audience="https://board.example.jp",
        purpose="issuance",
        nonces=nonces,
        anchors=TrustAnchors((pki.auth_ca_cert, pki.sign_ca_cert)),
        now=now,
    )
    assert verified.x5t_s256 == x5t_s256(pki.auth_cert)
