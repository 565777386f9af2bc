"""Byte codecs: unpadded base64url (RFC 7515 §2), base58btc, and multibase.

Multibase (draft-multiformats-multibase) prefixes encoded text with one
character naming the base. Data Integrity uses ``z`` (base58btc) for
``proofValue`` and Multikey, ``u`` (base64url, no padding) for ecdsa-sd-2023
proof values and Bitstring Status List ``encodedList``. No other base is
accepted: a prefix we do not know is an error, never a guess.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from vc_core.errors import CodecError

__all__ = [
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "multibase_decode",
    "multibase_encode",
]

_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64URL_VALUE = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_CHUNK = 58**10


def b64url_encode(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    # base64.urlsafe_b64encode's own steps, without its two Python-level calls.
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing padding, other alphabets and bad lengths."""
    if not isinstance(text, str) or _B64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise CodecError("codec.base64url_invalid")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CodecError("codec.base64url_invalid") from exc
    # Refuse non-canonical encodings: the last character of a partial group
    # carries 4 (two characters) or 2 (three characters) unused bits, all zero.
    partial = len(text) % 4
    if partial and _B64URL_VALUE[text[-1]] & (0b1111 if partial == 2 else 0b11):
        raise CodecError("codec.base64url_invalid", "non-canonical base64url")
    return data


def b58encode(data: bytes) -> str:
    """Encode bytes as base58btc (Bitcoin alphabet), keeping leading zero bytes as '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    # Divide by 58**10 first: one big-integer division per ten digits.
    while number:
        number, chunk = divmod(number, _B58_CHUNK)
        for _ in range(10):
            chunk, rem = divmod(chunk, 58)
            digits.append(_B58_ALPHABET[rem])
    body = "".join(reversed(digits)).lstrip("1")  # Drop the last chunk's zero padding.
    return "1" * zeros + body


def b58decode(text: str) -> bytes:
    """Decode base58btc text."""
    if not isinstance(text, str):
        raise CodecError("codec.base58_invalid")
    number = 0
    for char in text:
        index = _B58_INDEX.get(char)
        if index is None:
            raise CodecError("codec.base58_invalid")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Encode with a multibase prefix: ``z`` base58btc or ``u`` base64url."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise CodecError("codec.multibase_unsupported")


def multibase_decode(text: str, *, expect: str | None = None) -> bytes:
    """Decode multibase text; with ``expect``, the prefix must be that one."""
    if not isinstance(text, str) or not text:
        raise CodecError("codec.multibase_unsupported")
    prefix, body = text[0], text[1:]
    if expect is not None and prefix != expect:
        raise CodecError("codec.multibase_unsupported", f"expected multibase prefix {expect!r}")
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        return b64url_decode(body)
    raise CodecError("codec.multibase_unsupported")
