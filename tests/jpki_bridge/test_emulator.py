"""The emulator answers real APDUs as a My Number Card does (JPKI.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from jpki_bridge import apdu
from jpki_bridge.certs import rsa_public_key
from jpki_bridge.emulator import CardState, EmulatedCard
from jpki_bridge.emulator.card import KENHOJO_MY_NUMBER_EF
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from vc_core.errors import CardError
from vc_core.keys import verify_signature


@pytest.fixture
def card(card_dir: Path) -> Iterator[EmulatedCard]:
    emulated = EmulatedCard(CardState(card_dir))
    emulated.power_on()
    yield emulated
    emulated.state.close()


def send(card: EmulatedCard, raw: str | bytes) -> tuple[bytes, str]:
    data = bytes.fromhex(raw) if isinstance(raw, str) else raw
    response = card.transmit(data)
    return response[:-2], response[-2:].hex().upper()


def select_jpki(card: EmulatedCard) -> None:
    assert send(card, apdu.select_aid(apdu.JPKI_AID).to_bytes())[1] == "9000"


def test_unknown_aids_and_files_answer_6a82(card: EmulatedCard) -> None:
    # PIV, OpenPGP and a random AID, as OpenSC's other drivers probe.
    for aid in ("A000000308000010000100", "D27600012401", "A0000000030000"):
        assert send(card, f"00A40400{len(aid) // 2:02X}{aid}")[1] == "6A82"
    select_jpki(card)
    assert send(card, "00A4020C02ABCD")[1] == "6A82"
    # The Kenhojo PIN file is not a JPKI file.
    assert send(card, "00A4020C020011")[1] == "6A82"


def test_probes_get_errors_not_9000(card: EmulatedCard) -> None:
    for probe in ("00CA004F00", "00C0000000", "FFCA000000", "00A4000C023F00", "80CA9F7F00"):
        assert send(card, probe)[1] != "9000"


def test_file_selection_needs_an_application(card: EmulatedCard) -> None:
    assert send(card, "00A4020C02000A")[1] == "6A82"


def test_certificate_ef_is_der_then_ff_filler(card: EmulatedCard, pki: TestPki) -> None:
    select_jpki(card)
    assert send(card, "00A4020C02000A")[1] == "9000"
    content = b""
    offset = 0
    while True:
        data, sw = send(card, apdu.read_binary(offset, 256).to_bytes())
        if sw != "9000":
            break
        content += data
        offset += len(data)
    der = pki.auth_cert.public_bytes(serialization.Encoding.DER)
    assert content.startswith(der)
    assert len(content) == 2048
    assert set(content[len(der) :]) == {0xFF}
    # A read past the end returns what remains; at the end, offset errors.
    data, sw = send(card, apdu.read_binary(2040, 256).to_bytes())
    assert (len(data), sw) == (8, "9000")
    assert send(card, apdu.read_binary(2048, 16).to_bytes())[1] == "6B00"


def test_sign_certificate_needs_the_sign_pin(card: EmulatedCard, pki: TestPki) -> None:
    select_jpki(card)
    assert send(card, "00A4020C020001")[1] == "9000"
    assert send(card, "00B0000004")[1] == "6982"
    # The auth PIN does not open it.
    send(card, "00A4020C020018")
    assert send(card, apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes())[1] == "9000"
    send(card, "00A4020C020001")
    assert send(card, "00B0000004")[1] == "6982"
    send(card, "00A4020C02001B")
    assert send(card, apdu.verify(Pin(PinKind.SIGN, "ABC123")).to_bytes())[1] == "9000"
    send(card, "00A4020C020001")
    data, sw = send(card, "00B0000004")
    assert sw == "9000"
    assert data == pki.sign_cert.public_bytes(serialization.Encoding.DER)[:4]


def test_pin_counter_sequence_and_blocking(card: EmulatedCard) -> None:
    select_jpki(card)
    send(card, "00A4020C020018")
    assert send(card, "00200080")[1] == "63C3"
    assert send(card, "00200080")[1] == "63C3"  # the status query spends nothing
    wrong = apdu.verify(Pin(PinKind.AUTH, "0000")).to_bytes()
    assert send(card, wrong)[1] == "63C2"
    assert send(card, wrong)[1] == "63C1"
    assert send(card, wrong)[1] == "63C0"
    assert send(card, wrong)[1] == "6984"
    # Once blocked, even the right PIN is refused and the status stays at zero.
    assert send(card, apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes())[1] == "6984"
    assert send(card, "00200080")[1] == "63C0"


def test_right_pin_restores_the_counter(card: EmulatedCard) -> None:
    select_jpki(card)
    send(card, "00A4020C02001B")
    assert send(card, apdu.verify(Pin(PinKind.SIGN, "WRONG1")).to_bytes())[1] == "63C4"
    assert send(card, apdu.verify(Pin(PinKind.SIGN, "ABC123")).to_bytes())[1] == "9000"
    assert send(card, "00200080")[1] == "63C5"


def test_counters_survive_a_restart(card_dir: Path) -> None:
    first = EmulatedCard(CardState(card_dir))
    first.power_on()
    select_jpki(first)
    send(first, "00A4020C020018")
    assert send(first, apdu.verify(Pin(PinKind.AUTH, "0000")).to_bytes())[1] == "63C2"
    first.state.close()
    second = EmulatedCard(CardState(card_dir))
    second.power_on()
    select_jpki(second)
    send(second, "00A4020C020018")
    assert send(second, "00200080")[1] == "63C2"
    second.state.close()


def test_a_state_directory_serves_one_card_at_a_time(card: EmulatedCard, card_dir: Path) -> None:
    with pytest.raises(CardError) as caught:
        CardState(card_dir)
    assert caught.value.code == "card.emulator_state"


@pytest.mark.parametrize(
    "counters",
    [
        '{"auth": -1, "sign": 5, "kenhojo": 3}',
        '{"auth": 4, "sign": 6, "kenhojo": 3}',  # More tries than the PIN has.
        '{"auth": true, "sign": 5, "kenhojo": 3}',
        '{"auth": 2.0, "sign": 5, "kenhojo": 3}',
        '{"auth": ' + "9" * 4000 + ', "sign": 5, "kenhojo": 3}',
        '{"auth": 3, "auth": 0, "sign": 5, "kenhojo": 3}',
        '{"sign": 5, "kenhojo": 3}',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_counters_a_card_could_never_hold_are_refused(card_dir: Path, counters: str) -> None:
    (card_dir / "counters.json").write_text(counters, encoding="utf-8")
    with pytest.raises(CardError) as caught:
        CardState(card_dir)
    assert caught.value.code == "card.emulator_state"
    (card_dir / "counters.json").write_text('{"auth": 0, "sign": 5, "kenhojo": 3}', "utf-8")
    state = CardState(card_dir)
    assert state.tries_left(PinKind.AUTH) == 0
    state.close()


def test_power_off_forgets_verification(card: EmulatedCard) -> None:
    select_jpki(card)
    send(card, "00A4020C020018")
    assert send(card, apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes())[1] == "9000"
    card.reset()
    select_jpki(card)
    send(card, "00A4020C020017")
    digest_info = apdu.digest_info_sha256(bytes(32))
    assert send(card, apdu.compute_signature(digest_info).to_bytes())[1] == "6982"


def test_signature_is_pkcs1_v15_over_the_digest_info(card: EmulatedCard, pki: TestPki) -> None:
    select_jpki(card)
    send(card, "00A4020C020017")
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"message")
    digest_info = apdu.digest_info_sha256(digest.finalize())
    assert send(card, apdu.compute_signature(digest_info).to_bytes())[1] == "6982"
    send(card, "00A4020C020018")
    send(card, apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes())
    send(card, "00A4020C020017")
    signature, sw = send(card, apdu.compute_signature(digest_info).to_bytes())
    assert sw == "9000"
    assert len(signature) == 256
    verify_signature(rsa_public_key(pki.auth_cert), signature, b"message")
    # The sign key still needs its own PIN.
    send(card, "00A4020C02001A")
    assert send(card, apdu.compute_signature(digest_info).to_bytes())[1] == "6982"


def test_kenhojo_files_need_the_kenhojo_pin(card: EmulatedCard) -> None:
    assert send(card, apdu.select_aid(apdu.KENHOJO_AID).to_bytes())[1] == "9000"
    for fid in (apdu.KenhojoEf.BASIC_FOUR, KENHOJO_MY_NUMBER_EF):
        assert send(card, apdu.select_ef(fid).to_bytes())[1] == "9000"
        assert send(card, "00B0000004")[1] == "6982"
    send(card, apdu.select_ef(apdu.KenhojoEf.PIN).to_bytes())
    assert send(card, "00200080")[1] == "63C3"
    assert send(card, apdu.verify(Pin(PinKind.KENHOJO, "1234")).to_bytes())[1] == "9000"
    send(card, apdu.select_ef(apdu.KenhojoEf.BASIC_FOUR).to_bytes())
    data, sw = send(card, "00B0000004")
    assert sw == "9000"
    assert data[:2] == b"\xff\x20"


def test_malformed_apdus(card: EmulatedCard) -> None:
    assert send(card, "00A4")[1] == "6700"
    assert send(card, "00A4020C05000A")[1] == "6700"  # Lc larger than the data
    select_jpki(card)
    assert send(card, "00A4020C03000A00")[1] == "6700"
    assert send(card, "00A4010C02000A")[1] == "6A86"
    assert send(card, "00200081")[1] == "6A86"
    assert send(card, "00B0000004")[1] == "6986"  # no file selected
    send(card, "00A4020C020017")
    assert send(card, "00B0000004")[1] == "6981"  # a key is not readable
