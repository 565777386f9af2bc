"""A session with a My Number Card: certificates, PINs, signatures, Kenhojo (JPKI.md).

:class:`CardSession` drives one card over any
:class:`~jpki_bridge.transport.Transport` with the commands of
:mod:`jpki_bridge.apdu`. Its rules for PINs are the card's own rules made
safe for the holder:

1. **No automatic retry, ever.** :meth:`CardSession.verify_pin` sends at most
   one VERIFY with data per call; no code in shikaku calls it in a loop.
2. **Tries left first.** Before a VERIFY the session asks the card for the
   tries left (an empty VERIFY, which spends nothing). A blocked PIN is
   reported without a try; with one try left the session refuses
   (``card.pin_last_try``) unless the caller passes ``allow_last_try=True``.
3. **The PIN never leaks.** PINs travel as :class:`~jpki_bridge.pin.Pin`,
   the VERIFY command is marked secret, and APDU logging shows only lengths
   for it. Errors carry ``retries_left``, never the PIN.
4. **The My Number file is never selected.** :meth:`CardSession._select_ef`
   only accepts the members of :class:`~jpki_bridge.apdu.Ef` under the JPKI
   application and of :class:`~jpki_bridge.apdu.KenhojoEf` (its PIN and the
   basic-four file) under Kenhojo; the My Number file has no name here.

Certificates are read as a card stores them: the DER header first (4 bytes),
then exactly the DER length in chunks of at most 256 bytes, so the ``FF``
filler of the fixed-size EF is never returned.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from types import TracebackType

from cryptography import x509

from jpki_bridge import apdu
from jpki_bridge.apdu import JPKI_AID, KENHOJO_AID, Command, Ef, KenhojoEf, Response
from jpki_bridge.certs import CertKind, load_certificate
from jpki_bridge.kenhojo import BasicFour, decode_basic_four
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.transport import Transport
from vc_core.errors import CardError

__all__ = ["CardSession", "CertSlot", "PinStatus"]

_log = logging.getLogger(__name__)

_CHUNK = 256
_MAX_FILE = 0x7FFF


class CertSlot(enum.Enum):
    """The four certificate files of the JPKI application."""

    AUTH = "auth"
    AUTH_CA = "auth-ca"
    SIGN = "sign"
    SIGN_CA = "sign-ca"

    @property
    def ef(self) -> Ef:
        """The EF holding this certificate."""
        return {
            CertSlot.AUTH: Ef.AUTH_CERT,
            CertSlot.AUTH_CA: Ef.AUTH_CA,
            CertSlot.SIGN: Ef.SIGN_CERT,
            CertSlot.SIGN_CA: Ef.SIGN_CA,
        }[self]

    @classmethod
    def leaf(cls, kind: CertKind) -> CertSlot:
        """The end-entity slot of a kind."""
        return cls.AUTH if kind is CertKind.AUTH else cls.SIGN

    @classmethod
    def ca(cls, kind: CertKind) -> CertSlot:
        """The CA slot of a kind."""
        return cls.AUTH_CA if kind is CertKind.AUTH else cls.SIGN_CA


@dataclass(frozen=True)
class PinStatus:
    """Tries left on one PIN, read without spending a try."""

    kind: PinKind
    tries_left: int

    @property
    def max_tries(self) -> int:
        """The PIN's full number of tries."""
        return self.kind.max_tries

    @property
    def blocked(self) -> bool:
        """Whether the PIN is blocked (only a municipal office can reset it)."""
        return self.tries_left == 0

    @property
    def last_try(self) -> bool:
        """Whether exactly one try is left."""
        return self.tries_left == 1

    def require_usable(self, *, allow_last_try: bool = False) -> None:
        """Refuse a blocked PIN and, unless allowed, the last try; spends nothing.

        Raises ``card.pin_blocked`` or ``card.pin_last_try``: the checks made
        before a PIN is asked for or sent.
        """
        if self.blocked:
            raise CardError("card.pin_blocked", retries_left=0, pin=self.kind.value)
        if self.last_try and not allow_last_try:
            raise CardError("card.pin_last_try", retries_left=1, pin=self.kind.value)


_PIN_LOCATION: dict[PinKind, tuple[bytes, Ef | KenhojoEf]] = {
    PinKind.AUTH: (JPKI_AID, Ef.AUTH_PIN),
    PinKind.SIGN: (JPKI_AID, Ef.SIGN_PIN),
    PinKind.KENHOJO: (KENHOJO_AID, KenhojoEf.PIN),
}


class CardSession:
    """One card, through one transport. Use as a context manager to release the card."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._application: bytes | None = None

    @property
    def reader(self) -> str:
        """The name of the reader the card sits in."""
        return self._transport.reader

    def close(self) -> None:
        """Release the card."""
        self._transport.close()

    def __enter__(self) -> CardSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- APDU plumbing ------------------------------------------------------------------------

    def transmit(self, command: Command) -> Response:
        """Send one command; complete T=0 ``61xx``/``6Cxx`` exchanges; log without secrets."""
        _log.debug("card <- %r", command)
        response = Response.from_bytes(self._transport.transmit(command.to_bytes()))
        if response.sw1 == 0x6C and not command.secret:
            # Wrong Le: the card says how many bytes it has; ask again with that Le.
            retry = Command(
                command.cla, command.ins, command.p1, command.p2, command.data, response.sw2 or 256
            )
            response = Response.from_bytes(self._transport.transmit(retry.to_bytes()))
        data = response.data
        while response.sw1 == 0x61:
            more = Command(0x00, 0xC0, 0x00, 0x00, le=response.sw2 or 256)
            response = Response.from_bytes(self._transport.transmit(more.to_bytes()))
            data += response.data
        _log.debug("card -> %04X (%d bytes)", response.sw, len(data))
        return Response(data, response.sw1, response.sw2)

    def _run(self, command: Command, *, pin: PinKind | None = None) -> Response:
        response = self.transmit(command)
        apdu.raise_for_status(response, pin=pin)
        return response

    # -- selection ----------------------------------------------------------------------------

    def select_jpki(self) -> None:
        """Select the JPKI application; ``card.not_jpki`` if the card has none."""
        self._select_application(JPKI_AID)

    def _select_application(self, aid: bytes) -> None:
        try:
            self._run(apdu.select_aid(aid))
        except CardError as exc:
            self._application = None
            if exc.code == "card.file_not_found":
                raise CardError("card.not_jpki") from exc
            raise
        self._application = aid

    def _select_ef(self, fid: Ef | KenhojoEf) -> None:
        """Select a file of the current application, refusing any file shikaku does not name."""
        allowed = (isinstance(fid, Ef) and self._application == JPKI_AID) or (
            isinstance(fid, KenhojoEf) and self._application == KENHOJO_AID
        )
        if not allowed:
            raise ValueError(f"file {fid!r} is not selectable in the current application")
        self._run(apdu.select_ef(int(fid)))

    def _read_object(self, *, certificate: bool = False) -> bytes:
        """Read the TLV object at the start of the selected EF, exactly, without filler."""
        # A certificate's header is 4 bytes (30 82 hi lo); a TLV with a two-byte tag
        # and a 0x82 length needs 5, so other objects read a little more.
        head = self._run(apdu.read_binary(0, 4 if certificate else 8)).data
        total = apdu.der_total_length(head) if certificate else apdu.tlv_total_length(head)
        if total > _MAX_FILE:
            raise CardError("card.data_invalid", "object longer than an EF can be")
        data = head[:total]
        while len(data) < total:
            chunk = self._run(apdu.read_binary(len(data), min(_CHUNK, total - len(data)))).data
            if not chunk:
                raise CardError("card.data_invalid", "file ends before its DER length")
            data += chunk
        return data[:total]

    # -- reading ------------------------------------------------------------------------------

    def token_label(self) -> str:
        """The token label in EF 0006 (``JPKIAPICCTOKEN2`` on a physical card)."""
        self.select_jpki()
        self._select_ef(Ef.TOKEN_INFO)
        raw = self._run(apdu.read_binary(0, 32)).data
        return raw.rstrip(b"\x00\xff ").decode("ascii", errors="replace")

    def read_certificate_der(self, slot: CertSlot) -> bytes:
        """The DER of one certificate. The signing certificate needs the sign PIN first."""
        self.select_jpki()
        self._select_ef(slot.ef)
        return self._read_object(certificate=True)

    def read_certificate(self, slot: CertSlot) -> x509.Certificate:
        """One certificate, parsed (``card.data_invalid`` if the card holds junk)."""
        der = self.read_certificate_der(slot)
        try:
            return load_certificate(der)
        except CardError as exc:
            raise CardError("card.data_invalid", f"{slot.value} is not a certificate") from exc

    # -- PINs ---------------------------------------------------------------------------------

    def _select_pin(self, kind: PinKind) -> None:
        aid, fid = _PIN_LOCATION[kind]
        self._select_application(aid)
        self._select_ef(fid)

    def pin_status(self, kind: PinKind) -> PinStatus:
        """Tries left on a PIN, from an empty VERIFY: no try is spent."""
        self._select_pin(kind)
        return self._selected_pin_status(kind)

    def _selected_pin_status(self, kind: PinKind) -> PinStatus:
        response = self.transmit(apdu.pin_status())
        if response.sw1 == 0x63 and response.sw2 & 0xF0 == 0xC0:
            return PinStatus(kind, response.sw2 & 0x0F)
        if response.sw == 0x6984:
            return PinStatus(kind, 0)
        apdu.raise_for_status(response)
        raise CardError("card.unexpected_response", "an empty VERIFY answered 9000")

    def verify_pin(self, pin: Pin, *, allow_last_try: bool = False) -> None:
        """Verify ``pin`` once, after checking tries left; never retries.

        Raises ``card.pin_blocked`` (no try spent) when the PIN is blocked,
        ``card.pin_last_try`` (no try spent) when one try is left and
        ``allow_last_try`` is false, and after a wrong PIN
        ``card.pin_incorrect`` with ``retries_left`` — or ``card.pin_blocked``
        when that was the last try.
        """
        self._select_pin(pin.kind)
        self._selected_pin_status(pin.kind).require_usable(allow_last_try=allow_last_try)
        self._run(apdu.verify(pin), pin=pin.kind)

    # -- signing ------------------------------------------------------------------------------

    def sign_digest_info(self, key: CertKind, digest_info: bytes) -> bytes:
        """Sign a DER DigestInfo with the auth or sign key; the card pads PKCS#1 v1.5.

        The key's PIN must have been verified in this session
        (``card.security_status`` otherwise).
        """
        self.select_jpki()
        self._select_ef(Ef.AUTH_KEY if key is CertKind.AUTH else Ef.SIGN_KEY)
        signature = self._run(apdu.compute_signature(digest_info)).data
        if len(signature) != 256:
            raise CardError("card.unexpected_response", "signature is not 256 bytes")
        return signature

    def sign(self, key: CertKind, message: bytes) -> bytes:
        """RS256: SHA-256 of ``message`` in a DigestInfo, signed by the card."""
        digest = hashlib.sha256(message).digest()
        return self.sign_digest_info(key, apdu.digest_info_sha256(digest))

    # -- Kenhojo ------------------------------------------------------------------------------

    def read_basic_four(self, pin: Pin, *, allow_last_try: bool = False) -> BasicFour:
        """The Kenhojo basic four (name, address, birth date, sex), with the 4-digit PIN."""
        if pin.kind is not PinKind.KENHOJO:
            raise ValueError("the Kenhojo record needs the Kenhojo PIN")
        self.verify_pin(pin, allow_last_try=allow_last_try)
        self._select_ef(KenhojoEf.BASIC_FOUR)
        return decode_basic_four(self._read_object())
