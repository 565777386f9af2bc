"""A transport wrapper that records every APDU it carries, for tests that count commands."""

from __future__ import annotations

from jpki_bridge.transport import Transport


class RecordingTransport:
    """Forwards to a real transport and keeps ``(command, response)`` pairs."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[bytes, bytes]] = []

    @property
    def reader(self) -> str:
        return self.inner.reader

    def transmit(self, apdu: bytes) -> bytes:
        response = self.inner.transmit(apdu)
        self.exchanges.append((apdu, response))
        return response

    def close(self) -> None:
        self.inner.close()

    def verifies_with_data(self) -> int:
        """How many VERIFY commands carried a PIN (each may spend a try)."""
        return sum(1 for cmd, _ in self.exchanges if cmd[1] == 0x20 and len(cmd) > 4)
