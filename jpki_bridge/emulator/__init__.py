"""The card emulator: a My Number Card answering real APDUs, in-process or behind vpcd."""

from jpki_bridge.emulator.card import Application, EmulatedCard
from jpki_bridge.emulator.state import DEFAULT_ATR, CardState

__all__ = ["DEFAULT_ATR", "Application", "CardState", "EmulatedCard"]
