"""The emulator as a vpcd card: the virtual reader of vsmartcard (JPKI.md, "A real PC/SC stack").

``pyscard → libpcsclite → pcscd → vpcd → TCP → this client → EmulatedCard``.
vpcd listens (port 35963 for reader "Virtual PCD 00 00") and the *card*
connects to it. Every message in either direction is a 2-byte big-endian
length followed by the payload. A 1-byte message from vpcd is a control
code: ``00`` power off, ``01`` power on, ``02`` reset (no reply to these
three), ``04`` get ATR (reply with the ATR). Any longer message is a command
APDU and is answered with the response APDU. Closing the socket removes the
card from the reader.

Latency trap: vpcd writes the length and the payload separately, so with
Nagle's algorithm and delayed ACKs every APDU would wait about 40 ms. The
client sets ``TCP_NODELAY`` and re-arms ``TCP_QUICKACK`` after every
``recv`` (Linux clears it on its own), which brings an APDU to well under a
millisecond, and sends each reply in one write.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

from jpki_bridge.emulator.card import EmulatedCard

__all__ = ["VPCD_DEFAULT_PORT", "serve_vpcd"]

VPCD_DEFAULT_PORT = 35963

_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0, 1, 2, 4
_log = logging.getLogger(__name__)


def serve_vpcd(
    card: EmulatedCard,
    host: str = "127.0.0.1",
    port: int = VPCD_DEFAULT_PORT,
    *,
    reconnect: bool = True,
    retry_interval: float = 0.2,
    on_connect: Callable[[socket.socket], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Insert ``card`` into vpcd at ``host:port`` and answer until vpcd goes away.

    With ``reconnect`` the card waits for vpcd (when pcscd is not running yet,
    or restarts) and inserts itself again; without it the function returns
    when the connection ends. ``on_connect`` gets the tuned socket once the
    card is inserted. Stop it from outside by raising in the main thread (a
    signal handler) or by ``should_stop``, checked between connections.
    """
    while not should_stop():
        try:
            sock = socket.create_connection((host, port))
        except OSError:
            if not reconnect:
                raise
            time.sleep(retry_interval)
            continue
        with sock:
            _tune(sock)
            _log.info("card inserted into vpcd at %s:%d", host, port)
            if on_connect is not None:
                on_connect(sock)
            _serve_connection(card, sock)
        card.power_off()
        _log.info("vpcd closed the connection: card removed")
        if not reconnect:
            return


def _tune(sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _quickack(sock)


def _quickack(sock: socket.socket) -> None:
    option = getattr(socket, "TCP_QUICKACK", None)
    if option is not None:
        sock.setsockopt(socket.IPPROTO_TCP, option, 1)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    """Read exactly ``size`` bytes; ``None`` when the peer closed the connection."""
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except ConnectionError:
            return None
        _quickack(sock)
        if not chunk:
            return None
        data += chunk
    return data


def _serve_connection(card: EmulatedCard, sock: socket.socket) -> None:
    while True:
        header = _recv_exact(sock, 2)
        if header is None:
            return
        size = int.from_bytes(header, "big")
        payload = _recv_exact(sock, size) if size else b""
        if payload is None:
            return
        reply = _handle(card, payload)
        if reply is not None:
            try:
                sock.sendall(len(reply).to_bytes(2, "big") + reply)
            except ConnectionError:
                return


def _handle(card: EmulatedCard, payload: bytes) -> bytes | None:
    if len(payload) == 1:
        code = payload[0]
        if code == _POWER_OFF:
            card.power_off()
        elif code == _POWER_ON:
            card.power_on()
        elif code == _RESET:
            card.reset()
        elif code == _GET_ATR:
            return card.atr
        else:
            _log.warning("unknown vpcd control code %02X", code)
        return None
    return card.transmit(payload)
