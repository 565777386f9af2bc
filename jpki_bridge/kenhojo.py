"""The Kenhojo (券面事項入力補助) basic-four record (JPKI.md, "Kenhojo basic 4").

After SELECT AP, SELECT ``0011`` + VERIFY of the 4-digit PIN and SELECT
``0002``, READ BINARY returns one BER-TLV object followed by filler::

    FF20 {
        DF21  offsets of the four fields (2 bytes each, from the start of FF20's value)
        DF22  name, UTF-8, U+3000 between family and given name
        DF23  address, UTF-8
        DF24  birth date, ASCII YYYYMMDD
        DF25  sex, ASCII 1 / 2 / 3
    }

The layout of ``DF21`` is *(unverified)*; shikaku writes it for faithfulness
and ignores it when reading. The Kenhojo application's ``0001`` holds the My
Number: shikaku never selects it (see :mod:`jpki_bridge.session`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jpki_bridge.apdu import parse_tlv
from jpki_bridge.certs import Sex
from vc_core.errors import CardError

__all__ = ["BasicFour", "decode_basic_four", "encode_basic_four"]

_TAG_RECORD = 0xFF20
_TAG_OFFSETS = 0xDF21
_TAG_NAME = 0xDF22
_TAG_ADDRESS = 0xDF23
_TAG_BIRTH = 0xDF24
_TAG_SEX = 0xDF25


@dataclass(frozen=True)
class BasicFour:
    """Name, address, birth date and sex as the card's Kenhojo application holds them."""

    name: str
    address: str
    birth_date: dt.date
    sex: Sex


def encode_basic_four(facts: BasicFour) -> bytes:
    """The ``FF20`` TLV object for ``facts`` (no filler)."""
    fields = [
        (_TAG_NAME, facts.name.encode("utf-8")),
        (_TAG_ADDRESS, facts.address.encode("utf-8")),
        (_TAG_BIRTH, f"{facts.birth_date:%Y%m%d}".encode("ascii")),
        (_TAG_SEX, str(int(facts.sex)).encode("ascii")),
    ]
    encoded = [_tlv(tag, value) for tag, value in fields]
    offsets_size = len(_tlv(_TAG_OFFSETS, bytes(2 * len(fields))))
    offsets, position = b"", offsets_size
    for item in encoded:
        offsets += position.to_bytes(2, "big")
        position += len(item)
    return _tlv(_TAG_RECORD, _tlv(_TAG_OFFSETS, offsets) + b"".join(encoded))


def decode_basic_four(data: bytes) -> BasicFour:
    """Parse an ``FF20`` object (exactly, without filler); raise ``card.data_invalid``."""
    outer = parse_tlv(data)
    if len(outer) != 1 or outer[0][0] != _TAG_RECORD:
        raise CardError("card.data_invalid", "Kenhojo record is not one FF20 object")
    fields = dict(parse_tlv(outer[0][1]))
    try:
        name = fields[_TAG_NAME].decode("utf-8")
        address = fields[_TAG_ADDRESS].decode("utf-8")
        birth = fields[_TAG_BIRTH].decode("ascii")
        sex = Sex(int(fields[_TAG_SEX].decode("ascii")))
        if len(birth) != 8 or not birth.isdigit():
            raise ValueError("birth date is not YYYYMMDD")
        birth_date = dt.date(int(birth[0:4]), int(birth[4:6]), int(birth[6:8]))
    except (KeyError, ValueError) as exc:
        raise CardError("card.data_invalid", "Kenhojo record has a missing or bad field") from exc
    return BasicFour(name=name, address=address, birth_date=birth_date, sex=sex)


def _tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    if len(value) < 0x80:
        length = bytes([len(value)])
    elif len(value) <= 0xFF:
        length = bytes([0x81, len(value)])
    else:
        length = bytes([0x82]) + len(value).to_bytes(2, "big")
    return tag_bytes + length + value
