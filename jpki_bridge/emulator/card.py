"""A My Number Card that answers real APDUs (JPKI.md, "The JPKI application").

:class:`EmulatedCard` is the card a reader would see: it takes command APDU
bytes and returns response APDU bytes, keeping what a card keeps between
commands (the selected application and file, which PINs are verified) and
losing it on power-off or reset. The PIN counters live in the
:class:`~jpki_bridge.emulator.state.CardState` directory, so they survive
restarts.

Behaviour, as a physical card shows it:

- Applications: JPKI, Kenhojo and 券面事項確認. Any other AID answers
  ``6A82``, never ``9000``, because OpenSC's other drivers probe first.
- JPKI files: ``000A``/``000B`` and ``0001``/``0002`` hold DER certificates in
  fixed-size files padded with ``FF``; ``0001`` (the signing certificate)
  needs the signing PIN (``6982`` before); ``0006`` token info; ``0008``
  which certificates exist; ``0017``/``001A`` keys, ``0018``/``001B`` PINs.
- VERIFY with no data answers ``63Cx`` and spends nothing; a wrong PIN
  answers ``63Cx`` with one try fewer, the try that uses the last attempt
  ``63C0``, and every VERIFY after that ``6984``.
- COMPUTE DIGITAL SIGNATURE pads the DigestInfo it is given with PKCS#1 v1.5
  (type 1) and returns 256 bytes; the key's PIN must be verified (``6982``).
- Kenhojo: ``0011`` PIN, ``0002`` the basic four, ``0001`` the My Number;
  both data files need the Kenhojo PIN.
- A READ BINARY past the end returns what remains, with ``9000``.

Every SELECT is recorded in :attr:`EmulatedCard.access_log` as
``(application, file)``, so tests can prove which files a client touched.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from jpki_bridge.apdu import JPKI_AID, KENHOJO_AID, KENKAKUNIN_AID, Command, Ef, KenhojoEf
from jpki_bridge.certs import CertKind
from jpki_bridge.emulator.state import CardState
from jpki_bridge.kenhojo import encode_basic_four
from jpki_bridge.pin import PinKind

__all__ = ["KENHOJO_MY_NUMBER_EF", "Application", "EmulatedCard"]

#: The Kenhojo file holding the My Number. Only the emulator knows this number.
KENHOJO_MY_NUMBER_EF = 0x0001

# Sizes of the fixed-size EFs (certificates are padded with FF to these).
_CERT_EF_SIZE = 2048
_TOKEN_INFO_SIZE = 160
_KENHOJO_EF_SIZE = 1024

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_SECURITY_STATUS = b"\x69\x82"
SW_PIN_BLOCKED = b"\x69\x84"
SW_INCOMPATIBLE_FILE = b"\x69\x81"
SW_NOT_ALLOWED = b"\x69\x86"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_OFFSET_BEYOND = b"\x6b\x00"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"


class Application(enum.Enum):
    """The applications on the card."""

    JPKI = "jpki"
    KENHOJO = "kenhojo"
    KENKAKUNIN = "kenkakunin"


_AIDS = {
    JPKI_AID: Application.JPKI,
    KENHOJO_AID: Application.KENHOJO,
    KENKAKUNIN_AID: Application.KENKAKUNIN,
}


@dataclass(frozen=True)
class _File:
    """An EF: its content (for data files), the PIN it holds, the key it holds, its gate."""

    content: bytes | None = None
    pin: PinKind | None = None
    key: CertKind | None = None
    read_needs: PinKind | None = None


class EmulatedCard:
    """The emulated card; :meth:`transmit` takes a C-APDU and returns an R-APDU."""

    def __init__(
        self, state: CardState, *, on_access: Callable[[str, int | None], None] | None = None
    ) -> None:
        self.state = state
        self.access_log: list[tuple[str, int | None]] = []
        self._on_access = on_access
        self._files = self._build_files(state)
        self._application: Application | None = None
        self._file: _File | None = None
        self._verified: set[PinKind] = set()
        self.powered = False

    @property
    def atr(self) -> bytes:
        """The answer to reset."""
        return self.state.atr

    def power_on(self) -> None:
        """Power the card up: nothing selected, no PIN verified."""
        self._reset_volatile()
        self.powered = True

    def power_off(self) -> None:
        """Power the card down; volatile state is lost."""
        self._reset_volatile()
        self.powered = False

    def reset(self) -> None:
        """Warm reset: volatile state is lost."""
        self._reset_volatile()
        self.powered = True

    def _reset_volatile(self) -> None:
        self._application = None
        self._file = None
        self._verified.clear()

    def transmit(self, apdu: bytes) -> bytes:
        """Process one command APDU and return the response APDU."""
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        parsed = _parse_body(apdu[4:])
        if parsed is None:
            return SW_WRONG_LENGTH
        data, le = parsed
        handler = self._handlers().get((cla, ins))
        if handler is None:
            known_class = cla in (0x00, 0x80)
            return SW_INS_NOT_SUPPORTED if known_class else SW_CLA_NOT_SUPPORTED
        return handler(Command(cla, ins, p1, p2, data, le))

    def _handlers(self) -> dict[tuple[int, int], Callable[[Command], bytes]]:
        return {
            (0x00, 0xA4): self._select,
            (0x00, 0xB0): self._read_binary,
            (0x00, 0x20): self._verify,
            (0x80, 0x2A): self._sign,
        }

    def _select(self, cmd: Command) -> bytes:
        if cmd.p1 == 0x04 and cmd.p2 in (0x00, 0x0C):
            return self._select_application(cmd.data)
        if cmd.p1 == 0x02 and cmd.p2 == 0x0C:
            return self._select_file(cmd.data)
        return SW_WRONG_P1P2

    def _select_application(self, aid: bytes) -> bytes:
        application = _AIDS.get(aid)
        self._record(application.value if application else aid.hex().upper(), None)
        if application is None:
            return SW_FILE_NOT_FOUND
        if application is not self._application:
            # Security status belongs to an application: leaving it forgets the PINs.
            self._verified.clear()
        self._application, self._file = application, None
        return SW_OK

    def _select_file(self, fid_bytes: bytes) -> bytes:
        if len(fid_bytes) != 2:
            return SW_WRONG_LENGTH
        fid = int.from_bytes(fid_bytes, "big")
        self._record(self._application.value if self._application else "-", fid)
        found = self._files.get((self._application, fid)) if self._application else None
        if found is None:
            return SW_FILE_NOT_FOUND
        self._file = found
        return SW_OK

    def _record(self, application: str, fid: int | None) -> None:
        self.access_log.append((application, fid))
        if self._on_access is not None:
            self._on_access(application, fid)

    def _read_binary(self, cmd: Command) -> bytes:
        if cmd.p1 & 0x80:
            return SW_WRONG_P1P2
        current = self._file
        if current is None:
            return SW_NOT_ALLOWED
        if current.content is None:
            return SW_INCOMPATIBLE_FILE
        if current.read_needs is not None and current.read_needs not in self._verified:
            return SW_SECURITY_STATUS
        offset = (cmd.p1 << 8) | cmd.p2
        if offset >= len(current.content):
            return SW_OFFSET_BEYOND
        length = cmd.le if cmd.le is not None else 256
        return current.content[offset : offset + length] + SW_OK

    def _verify(self, cmd: Command) -> bytes:
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            return SW_WRONG_P1P2
        current = self._file
        if current is None or current.pin is None:
            return SW_NOT_ALLOWED
        kind = current.pin
        left = self.state.tries_left(kind)
        if not cmd.data:
            return bytes([0x63, 0xC0 | left])
        if left == 0:
            return SW_PIN_BLOCKED
        if self.state.try_pin(kind, cmd.data):
            self._verified.add(kind)
            return SW_OK
        self._verified.discard(kind)
        return bytes([0x63, 0xC0 | self.state.tries_left(kind)])

    def _sign(self, cmd: Command) -> bytes:
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            return SW_WRONG_P1P2
        current = self._file
        if current is None or current.key is None:
            return SW_NOT_ALLOWED
        needs = PinKind.AUTH if current.key is CertKind.AUTH else PinKind.SIGN
        if needs not in self._verified:
            return SW_SECURITY_STATUS
        key = self.state.keys[current.key]
        size = (key.key_size + 7) // 8
        if not cmd.data or len(cmd.data) > size - 11:
            return SW_WRONG_LENGTH
        # EMSA-PKCS1-v1_5 type 1 padding around the DigestInfo, then the raw RSA
        # private operation (RFC 8017 §8.2.1 with the encoding done by the card).
        block = b"\x00\x01" + b"\xff" * (size - 3 - len(cmd.data)) + b"\x00" + cmd.data
        return _rsa_private(key, int.from_bytes(block, "big")).to_bytes(size, "big") + SW_OK

    @staticmethod
    def _build_files(state: CardState) -> dict[tuple[Application, int], _File]:
        auth_cert, auth_ca = state.certificates[CertKind.AUTH]
        sign_cert, sign_ca = state.certificates[CertKind.SIGN]
        label = state.token_label.encode("ascii").ljust(32, b" ")
        basic_four = encode_basic_four(state.basic_four)
        my_number = b"\xff\x10\x0c" + state.my_number.encode("ascii")
        jpki = Application.JPKI
        kenhojo = Application.KENHOJO
        return {
            (jpki, Ef.AUTH_CERT): _File(_pad(auth_cert, _CERT_EF_SIZE)),
            (jpki, Ef.AUTH_CA): _File(_pad(auth_ca, _CERT_EF_SIZE)),
            (jpki, Ef.SIGN_CERT): _File(_pad(sign_cert, _CERT_EF_SIZE), read_needs=PinKind.SIGN),
            (jpki, Ef.SIGN_CA): _File(_pad(sign_ca, _CERT_EF_SIZE)),
            (jpki, Ef.TOKEN_INFO): _File(_pad(label, _TOKEN_INFO_SIZE, b"\x00")),
            (jpki, Ef.CERT_FLAGS): _File(b"\x8f\x8f\x00"),
            (jpki, Ef.AUTH_KEY): _File(key=CertKind.AUTH),
            (jpki, Ef.AUTH_PIN): _File(pin=PinKind.AUTH),
            (jpki, Ef.SIGN_KEY): _File(key=CertKind.SIGN),
            (jpki, Ef.SIGN_PIN): _File(pin=PinKind.SIGN),
            (kenhojo, KenhojoEf.PIN): _File(pin=PinKind.KENHOJO),
            (kenhojo, KenhojoEf.BASIC_FOUR): _File(
                _pad(basic_four, _KENHOJO_EF_SIZE), read_needs=PinKind.KENHOJO
            ),
            (kenhojo, KENHOJO_MY_NUMBER_EF): _File(_pad(my_number, 64), read_needs=PinKind.KENHOJO),
        }


def _rsa_private(key: rsa.RSAPrivateKey, value: int) -> int:
    """The raw RSA private operation, with the Chinese remainder theorem (RFC 8017 §5.1.2)."""
    n = key.private_numbers()
    m1 = pow(value, n.dmp1, n.p)
    m2 = pow(value, n.dmq1, n.q)
    return m2 + ((n.iqmp * (m1 - m2)) % n.p) * n.q


def _pad(data: bytes, size: int, filler: bytes = b"\xff") -> bytes:
    if len(data) > size:
        raise ValueError("data does not fit its fixed-size EF")
    return data + filler * (size - len(data))


def _parse_body(body: bytes) -> tuple[bytes, int | None] | None:
    """Split the body of a short APDU into ``(data, Le)``; ``None`` if malformed."""
    if not body:
        return b"", None
    if len(body) == 1:
        return b"", body[0] or 256
    lc = body[0]
    if lc == 0 or len(body) < 1 + lc:
        return None
    data = body[1 : 1 + lc]
    rest = body[1 + lc :]
    if not rest:
        return data, None
    if len(rest) == 1:
        return data, rest[0] or 256
    return None
