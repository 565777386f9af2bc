"""How APDUs reach a card: the transport protocol and the in-process transport.

A :class:`Transport` sends one command APDU and returns the response APDU,
both as bytes. Two implementations exist: :class:`InProcessTransport` talks to
an :class:`~jpki_bridge.emulator.EmulatedCard` in the same process (unit tests,
``make demo``), and :class:`jpki_bridge.pcsc.PcscTransport` talks to a reader
through PC/SC. Sessions never know which one they have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from jpki_bridge.emulator import CardState, EmulatedCard

__all__ = ["IN_PROCESS_READER", "InProcessTransport", "Transport"]

#: The reader name the in-process transport reports.
IN_PROCESS_READER = "shikaku emulator (in-process)"


@runtime_checkable
class Transport(Protocol):
    """A channel to one card."""

    @property
    def reader(self) -> str:
        """The reader's name."""
        ...

    def transmit(self, apdu: bytes) -> bytes:
        """Send one C-APDU; return the R-APDU (data and status word)."""
        ...

    def close(self) -> None:
        """Release the card."""
        ...


class InProcessTransport:
    """A transport to an emulated card in this process; the card is powered on at once."""

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card
        card.power_on()

    @classmethod
    def open(cls, state_dir: Path) -> InProcessTransport:
        """Open the emulator state in ``state_dir`` (locking it) and insert the card."""
        return cls(EmulatedCard(CardState(state_dir)))

    @property
    def reader(self) -> str:
        return IN_PROCESS_READER

    def transmit(self, apdu: bytes) -> bytes:
        return self.card.transmit(apdu)

    def close(self) -> None:
        """Power the card off and release its state directory."""
        self.card.power_off()
        self.card.state.close()
