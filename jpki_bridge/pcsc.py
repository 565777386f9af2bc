"""The PC/SC transport: a reader through pcscd, by pyscard (JPKI.md, "A real PC/SC stack").

pyscard is imported lazily, here only, so the rest of shikaku runs where it
is not installed (it has no Linux wheel and builds against libpcsclite). The
module uses pyscard's thin ``smartcard.scard`` layer, the PC/SC API itself,
and turns its result codes into ``card.*`` errors at this one boundary:

=================================  ==========================
no pcscd / pyscard missing         ``card.pcsc_unavailable``
no reader (or none of that name)   ``card.no_reader``
no card in the reader              ``card.no_card``
card removed or reset during use   ``card.transport``
=================================  ==========================

A session holds a PC/SC transaction from connect to close, so no other
program can slip a command between a VERIFY and the signature that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vc_core.errors import CardError

__all__ = ["PcscTransport", "ReaderInfo", "list_readers"]


@dataclass(frozen=True)
class ReaderInfo:
    """A reader pcscd knows, whether a card is in it, and the card's ATR."""

    name: str
    card_present: bool
    atr: bytes


def _scard() -> Any:
    try:
        from smartcard import scard  # noqa: PLC0415 (pyscard is optional and loaded lazily)
    except ImportError as exc:
        raise CardError(
            "card.pcsc_unavailable", "pyscard is not installed (pip install 'shikaku[card]')"
        ) from exc
    return scard


def _message(scard: Any, result: int) -> str:
    return str(scard.SCardGetErrorMessage(result))


def _context(scard: Any) -> Any:
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        raise CardError("card.pcsc_unavailable", f"cannot reach pcscd: {_message(scard, result)}")
    return context


def _reader_names(scard: Any, context: Any) -> list[str]:
    result, readers = scard.SCardListReaders(context, [])
    if result == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if result != scard.SCARD_S_SUCCESS:
        raise CardError("card.pcsc_unavailable", f"cannot list readers: {_message(scard, result)}")
    return [str(r) for r in readers]


def list_readers() -> list[ReaderInfo]:
    """Every reader pcscd knows, with card presence and ATR (no card is connected)."""
    scard = _scard()
    context = _context(scard)
    try:
        names = _reader_names(scard, context)
        if not names:
            return []
        query = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
        result, states = scard.SCardGetStatusChange(context, 0, query)
        if result != scard.SCARD_S_SUCCESS:
            raise CardError(
                "card.pcsc_unavailable", f"cannot read reader states: {_message(scard, result)}"
            )
        return [
            ReaderInfo(
                str(name),
                bool(event & scard.SCARD_STATE_PRESENT),
                bytes(atr) if event & scard.SCARD_STATE_PRESENT else b"",
            )
            for name, event, atr in states
        ]
    finally:
        scard.SCardReleaseContext(context)


class PcscTransport:
    """A card in a PC/SC reader, connected shared and held in a transaction until closed."""

    def __init__(self, scard: Any, context: Any, card: Any, protocol: int, reader: str) -> None:
        self._scard = scard
        self._context = context
        self._card = card
        self._protocol = protocol
        self._reader = reader
        self._closed = False

    @classmethod
    def connect(cls, reader: str | None = None) -> PcscTransport:
        """Connect to the card in ``reader``, or in the first reader holding a card."""
        scard = _scard()
        context = _context(scard)
        try:
            name = _choose_reader(scard, context, reader)
            result, card, protocol = scard.SCardConnect(
                context,
                name,
                scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            )
            if result in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD):
                raise CardError("card.no_card", reader=name)
            if result == scard.SCARD_E_UNKNOWN_READER:
                raise CardError("card.no_reader", reader=name)
            if result != scard.SCARD_S_SUCCESS:
                raise CardError("card.transport", f"cannot connect: {_message(scard, result)}")
            result = scard.SCardBeginTransaction(card)
            if result != scard.SCARD_S_SUCCESS:
                scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
                raise CardError("card.transport", f"cannot lock card: {_message(scard, result)}")
        except BaseException:
            scard.SCardReleaseContext(context)
            raise
        return cls(scard, context, card, protocol, name)

    @property
    def reader(self) -> str:
        return self._reader

    def transmit(self, apdu: bytes) -> bytes:
        if self._closed:
            raise CardError("card.transport", "the card connection is closed")
        scard = self._scard
        result, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if result in (scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD):
            raise CardError("card.no_card", "the card was removed", reader=self._reader)
        if result != scard.SCARD_S_SUCCESS:
            raise CardError("card.transport", _message(scard, result), reader=self._reader)
        return bytes(response)

    def close(self) -> None:
        """End the transaction, leave the card as it is, and release the context."""
        if self._closed:
            return
        self._closed = True
        scard = self._scard
        scard.SCardEndTransaction(self._card, scard.SCARD_LEAVE_CARD)
        scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(self._context)


def _choose_reader(scard: Any, context: Any, wanted: str | None) -> str:
    names = _reader_names(scard, context)
    if not names:
        raise CardError("card.no_reader")
    if wanted is not None:
        if wanted not in names:
            raise CardError("card.no_reader", f"no reader named {wanted!r}", reader=wanted)
        return wanted
    query = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
    result, states = scard.SCardGetStatusChange(context, 0, query)
    if result == scard.SCARD_S_SUCCESS:
        for name, event, _atr in states:
            if event & scard.SCARD_STATE_PRESENT:
                return str(name)
    raise CardError("card.no_card", "no reader holds a card")
