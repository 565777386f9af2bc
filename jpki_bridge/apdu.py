"""The pure APDU layer of the JPKI card (JPKI.md, "The JPKI application").

Command builders, response parsing and the mapping of status words to
:class:`~vc_core.errors.CardError` codes. Nothing here touches a reader: the
functions take and return bytes, so the emulator, the session and the tests
share one definition of every command.

Short APDUs only (ISO/IEC 7816-4 §5.1): ``CLA INS P1 P2 [Lc data] [Le]`` with
``Le = 00`` meaning 256. The commands the JPKI application answers:

============================  ==================================================
SELECT application            ``00 A4 04 0C 0A <AID>``
SELECT elementary file        ``00 A4 02 0C 02 <FID>`` (only P1=02 works on cards)
READ BINARY                   ``00 B0 <offset hi> <offset lo> <Le>``
PIN status (no try spent)     ``00 20 00 80`` → ``63Cx``
VERIFY                        ``00 20 00 80 Lc <ASCII PIN>``
COMPUTE DIGITAL SIGNATURE     ``80 2A 00 80 Lc <DigestInfo> 00``
============================  ==================================================

A :class:`Command` carrying a PIN is marked secret: its ``repr`` shows the
header and the data length, never the data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from jpki_bridge.pin import Pin, PinKind
from vc_core.errors import CardError

__all__ = [
    "JPKI_AID",
    "KENHOJO_AID",
    "KENKAKUNIN_AID",
    "SHA256_DIGEST_INFO_PREFIX",
    "Command",
    "Ef",
    "KenhojoEf",
    "Response",
    "compute_signature",
    "der_total_length",
    "digest_info_sha256",
    "parse_tlv",
    "pin_status",
    "raise_for_status",
    "read_binary",
    "select_aid",
    "select_ef",
    "tlv_total_length",
    "verify",
]

#: The JPKI application (公的個人認証 AP).
JPKI_AID = bytes.fromhex("D392F000260100000001")
#: The Kenhojo application (券面事項入力補助 AP): the basic four facts.
KENHOJO_AID = bytes.fromhex("D3921000310001010408")
#: The card-face confirmation application (券面事項確認 AP). Never used by shikaku.
KENKAKUNIN_AID = bytes.fromhex("D3921000310001010402")

#: DER of ``DigestInfo { sha256, NULL }`` up to the 32-byte digest (RFC 8017 §9.2 note 1).
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class Ef(enum.IntEnum):
    """Elementary files of the JPKI application (JPKI.md)."""

    SIGN_CERT = 0x0001
    SIGN_CA = 0x0002
    TOKEN_INFO = 0x0006
    CERT_FLAGS = 0x0008
    AUTH_CERT = 0x000A
    AUTH_CA = 0x000B
    AUTH_KEY = 0x0017
    AUTH_PIN = 0x0018
    SIGN_KEY = 0x001A
    SIGN_PIN = 0x001B


class KenhojoEf(enum.IntEnum):
    """The two Kenhojo files shikaku uses. The My Number file is deliberately absent."""

    PIN = 0x0011
    BASIC_FOUR = 0x0002


@dataclass(frozen=True, repr=False)
class Command:
    """A short command APDU. ``le`` is the expected length (1–256), or ``None``."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    secret: bool = field(default=False)

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"APDU {name} out of range")
        if len(self.data) > 255:
            raise ValueError("short APDUs carry at most 255 data bytes")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ValueError("Le must be 1..256")

    def to_bytes(self) -> bytes:
        """The APDU as sent to the card."""
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le % 256])
        return out

    def __repr__(self) -> str:
        header = f"{self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X}"
        if self.secret:
            body = f" <{len(self.data)} secret bytes>" if self.data else ""
        else:
            body = f" {self.data.hex().upper()}" if self.data else ""
        le = f" Le={self.le}" if self.le is not None else ""
        return f"Command({header}{body}{le})"


@dataclass(frozen=True)
class Response:
    """A response APDU: data and the status word ``SW1 SW2``."""

    data: bytes
    sw1: int
    sw2: int

    @classmethod
    def from_bytes(cls, raw: bytes) -> Response:
        """Split a response into data and status word."""
        if len(raw) < 2:
            raise CardError("card.unexpected_response", "response shorter than a status word")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    @property
    def sw(self) -> int:
        """The status word as one integer, e.g. ``0x9000``."""
        return (self.sw1 << 8) | self.sw2

    def to_bytes(self) -> bytes:
        """The response as the card sends it."""
        return self.data + bytes([self.sw1, self.sw2])


def select_aid(aid: bytes) -> Command:
    """SELECT an application by name, no response data (P2=0C)."""
    return Command(0x00, 0xA4, 0x04, 0x0C, aid)


def select_ef(fid: int) -> Command:
    """SELECT an elementary file of the current application by its 2-byte identifier."""
    return Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))


def read_binary(offset: int, length: int) -> Command:
    """READ BINARY ``length`` (1–256) bytes at ``offset`` (0–32767) of the selected EF."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("READ BINARY offset must fit in 15 bits")
    return Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length)


def pin_status() -> Command:
    """VERIFY with no data: asks the selected PIN EF for its tries left, spending none."""
    return Command(0x00, 0x20, 0x00, 0x80)


def verify(pin: Pin) -> Command:
    """VERIFY the selected PIN EF with ``pin``; the command is marked secret."""
    return Command(0x00, 0x20, 0x00, 0x80, pin.apdu_bytes(), secret=True)


def compute_signature(digest_info: bytes) -> Command:
    """COMPUTE DIGITAL SIGNATURE over a DigestInfo with the selected key EF (CLA 80)."""
    return Command(0x80, 0x2A, 0x00, 0x80, digest_info, le=256)


def digest_info_sha256(digest: bytes) -> bytes:
    """Wrap a SHA-256 digest in its DER DigestInfo, as the card expects to sign it."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    return SHA256_DIGEST_INFO_PREFIX + digest


def raise_for_status(response: Response, *, pin: PinKind | None = None) -> None:
    """Return on ``9000``; otherwise raise the :class:`CardError` the status word means.

    ``pin`` names the PIN a VERIFY was sent to: only then are ``63Cx`` and
    ``6984`` read as PIN outcomes (``card.pin_incorrect`` with ``retries_left``,
    or ``card.pin_blocked``); the try that used the last attempt answers
    ``63C0`` and is reported as blocked.
    """
    sw = response.sw
    if sw == 0x9000:
        return
    detail = {"sw": f"{sw:04X}"}
    if pin is not None and response.sw1 == 0x63 and response.sw2 & 0xF0 == 0xC0:
        left = response.sw2 & 0x0F
        if left == 0:
            raise CardError("card.pin_blocked", retries_left=0, pin=pin.value, **detail)
        message = f"wrong PIN; {left} tries left / 暗証番号が違います。残り{left}回"
        raise CardError("card.pin_incorrect", message, retries_left=left, pin=pin.value, **detail)
    if pin is not None and sw == 0x6984:
        raise CardError("card.pin_blocked", retries_left=0, pin=pin.value, **detail)
    if sw == 0x6982:
        raise CardError("card.security_status", **detail)
    if sw == 0x6A82:
        raise CardError("card.file_not_found", **detail)
    if sw in (0x6700, 0x6A86, 0x6A81, 0x6B00, 0x6D00, 0x6E00):
        raise CardError("card.command_rejected", **detail)
    raise CardError("card.unexpected_response", f"unexpected status word {sw:04X}", **detail)


def der_total_length(header: bytes) -> int:
    """The total length of the DER SEQUENCE starting with ``header`` (its first 4 bytes).

    Certificates sit in fixed-size EFs followed by ``FF`` filler, so a reader
    takes the length from the DER header and reads exactly that many bytes.
    """
    if len(header) < 2 or header[0] != 0x30:
        raise CardError("card.data_invalid", "the file holds no DER certificate")
    return tlv_total_length(header)


def tlv_total_length(header: bytes) -> int:
    """The total length (tag, length and value) of the BER-TLV object ``header`` starts."""
    _tag, offset, length = _tlv_head(header, 0)
    return offset + length


def parse_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """Parse concatenated BER-TLV objects (ISO/IEC 7816-4 §5.2) into ``(tag, value)`` pairs.

    Multi-byte tags (``DF22``, ``FF20``) and the 1-, 2- and 3-byte length
    forms are supported. ``data`` must be exactly the objects: callers cut
    filler off first using :func:`tlv_total_length`.
    """
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        tag, i, length = _tlv_head(data, i)
        if i + length > len(data):
            raise CardError("card.data_invalid", "truncated TLV value")
        out.append((tag, data[i : i + length]))
        i += length
    return out


def _tlv_head(data: bytes, i: int) -> tuple[int, int, int]:
    """Read a tag and a length at ``i``; return ``(tag, value offset, value length)``."""
    if i >= len(data):
        raise CardError("card.data_invalid", "truncated TLV tag")
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:
        while True:
            if i >= len(data):
                raise CardError("card.data_invalid", "truncated TLV tag")
            byte = data[i]
            tag = (tag << 8) | byte
            i += 1
            if not byte & 0x80:
                break
    if i >= len(data):
        raise CardError("card.data_invalid", "truncated TLV length")
    length = data[i]
    i += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 3 or i + count > len(data):
            raise CardError("card.data_invalid", "unsupported TLV length form")
        length = int.from_bytes(data[i : i + count], "big")
        i += count
    return tag, i, length
