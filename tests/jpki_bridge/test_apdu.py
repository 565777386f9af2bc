"""The pure APDU layer: builders, parsing, status words (JPKI.md, "APDUs")."""

from __future__ import annotations

import pytest

from jpki_bridge import apdu
from jpki_bridge.apdu import Command, Response
from jpki_bridge.pin import Pin, PinKind
from vc_core.errors import CardError


def test_builders_produce_the_documented_bytes() -> None:
    assert apdu.select_aid(apdu.JPKI_AID).to_bytes().hex().upper() == (
        "00A4040C0AD392F000260100000001"
    )
    assert apdu.select_ef(0x000A).to_bytes().hex().upper() == "00A4020C02000A"
    assert apdu.read_binary(0x0104, 256).to_bytes().hex().upper() == "00B0010400"
    assert apdu.read_binary(0, 4).to_bytes().hex().upper() == "00B0000004"
    assert apdu.pin_status().to_bytes().hex().upper() == "00200080"
    assert apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes().hex().upper() == "002000800431323334"
    digest_info = apdu.digest_info_sha256(bytes(32))
    assert apdu.compute_signature(digest_info).to_bytes() == (
        bytes.fromhex("802A008033") + digest_info + b"\x00"
    )


def test_digest_info_is_the_der_of_sha256() -> None:
    digest_info = apdu.digest_info_sha256(b"\x01" * 32)
    assert len(digest_info) == 51
    assert digest_info.startswith(bytes.fromhex("3031300d0609608648016503040201"))
    with pytest.raises(ValueError):
        apdu.digest_info_sha256(b"\x01" * 20)


def test_verify_command_repr_hides_the_pin() -> None:
    command = apdu.verify(Pin(PinKind.SIGN, "SECRET99"))
    text = repr(command)
    assert "SECRET99" not in text
    assert "5345435245543939" not in text.upper()
    assert "8 secret bytes" in text


def test_response_parsing() -> None:
    response = Response.from_bytes(b"\x01\x02\x90\x00")
    assert response.data == b"\x01\x02"
    assert response.sw == 0x9000
    with pytest.raises(CardError) as caught:
        Response.from_bytes(b"\x90")
    assert caught.value.code == "card.unexpected_response"


@pytest.mark.parametrize(
    ("sw", "pin", "code", "retries"),
    [
        (0x63C2, PinKind.AUTH, "card.pin_incorrect", 2),
        (0x63C1, PinKind.SIGN, "card.pin_incorrect", 1),
        (0x63C0, PinKind.AUTH, "card.pin_blocked", 0),
        (0x6984, PinKind.AUTH, "card.pin_blocked", 0),
        (0x6982, None, "card.security_status", None),
        (0x6A82, None, "card.file_not_found", None),
        (0x6A86, None, "card.command_rejected", None),
        (0x6700, None, "card.command_rejected", None),
        (0x63C2, None, "card.unexpected_response", None),
        (0x6F00, None, "card.unexpected_response", None),
    ],
)
def test_status_words_map_to_codes(
    sw: int, pin: PinKind | None, code: str, retries: int | None
) -> None:
    with pytest.raises(CardError) as caught:
        apdu.raise_for_status(Response(b"", sw >> 8, sw & 0xFF), pin=pin)
    assert caught.value.code == code
    assert caught.value.details.get("retries_left") == retries
    assert caught.value.details["sw"] == f"{sw:04X}"


def test_ok_status_raises_nothing() -> None:
    apdu.raise_for_status(Response(b"", 0x90, 0x00), pin=PinKind.AUTH)


def test_der_length_from_a_four_byte_header() -> None:
    assert apdu.der_total_length(bytes.fromhex("3082 04D2".replace(" ", ""))) == 4 + 0x04D2
    assert apdu.der_total_length(bytes.fromhex("3081C8")) == 3 + 0xC8
    assert apdu.der_total_length(bytes.fromhex("3010")) == 18
    for junk in (b"\xff\xff\xff\xff", b"\x30\x80\x00\x00", b"\x30"):
        with pytest.raises(CardError) as caught:
            apdu.der_total_length(junk)
        assert caught.value.code == "card.data_invalid"


def test_tlv_parsing_with_multibyte_tags_and_long_lengths() -> None:
    value = b"x" * 300
    data = bytes.fromhex("DF2203") + b"abc" + bytes.fromhex("DF23820000") + b"\xdf\x24\x82\x01\x2c"
    data += value
    assert apdu.parse_tlv(data) == [(0xDF22, b"abc"), (0xDF23, b""), (0xDF24, value)]
    assert apdu.tlv_total_length(bytes.fromhex("FF20820100")) == 5 + 0x0100
    assert apdu.tlv_total_length(bytes.fromhex("FF2081C8")) == 4 + 0xC8
    with pytest.raises(CardError):
        apdu.parse_tlv(bytes.fromhex("DF2205") + b"abc")


def test_command_limits() -> None:
    with pytest.raises(ValueError):
        Command(0x00, 0xB0, 0, 0, le=0)
    with pytest.raises(ValueError):
        Command(0x00, 0xD6, 0, 0, bytes(256))
    with pytest.raises(ValueError):
        apdu.read_binary(0x8000, 1)
