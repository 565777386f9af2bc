"""The vpcd card client's framing, with the test playing vpcd's side of the socket.

The real vpcd is exercised in test_pcsc.py; this pins the protocol itself
(JPKI.md, "A real PC/SC stack"): 2-byte big-endian length, 1-byte control
messages, APDUs answered with R-APDUs, the card connecting to the reader.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from jpki_bridge import apdu
from jpki_bridge.emulator import CardState, EmulatedCard
from jpki_bridge.emulator.vpcd import serve_vpcd
from jpki_bridge.pin import Pin, PinKind


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(2, "big") + payload


def _read_frame(connection: socket.socket) -> bytes:
    header = b""
    while len(header) < 2:
        header += connection.recv(2 - len(header))
    size = int.from_bytes(header, "big")
    payload = b""
    while len(payload) < size:
        payload += connection.recv(size - len(payload))
    return payload


def test_vpcd_protocol(card_dir: Path) -> None:
    card = EmulatedCard(CardState(card_dir))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    inserted = threading.Event()
    client = threading.Thread(
        target=serve_vpcd,
        args=(card, "127.0.0.1", port),
        kwargs={"reconnect": False, "on_connect": lambda _sock: inserted.set()},
    )
    client.start()
    try:
        connection, _ = listener.accept()
        with connection:
            # vpcd writes length and payload separately, as the real one does.
            connection.sendall(b"\x00\x01")
            connection.sendall(b"\x04")
            assert _read_frame(connection) == card.atr
            connection.sendall(_frame(b"\x01"))  # power on: no reply
            connection.sendall(_frame(apdu.select_aid(apdu.JPKI_AID).to_bytes()))
            assert _read_frame(connection) == b"\x90\x00"
            connection.sendall(_frame(apdu.select_ef(apdu.Ef.AUTH_PIN).to_bytes()))
            assert _read_frame(connection) == b"\x90\x00"
            verify = apdu.verify(Pin(PinKind.AUTH, "1234")).to_bytes()
            connection.sendall(_frame(verify))
            assert _read_frame(connection) == b"\x90\x00"
            connection.sendall(_frame(b"\x02"))  # reset: no reply, PIN state forgotten
            for command in (apdu.select_aid(apdu.JPKI_AID), apdu.select_ef(apdu.Ef.AUTH_KEY)):
                connection.sendall(_frame(command.to_bytes()))
                assert _read_frame(connection) == b"\x90\x00"
            digest_info = apdu.digest_info_sha256(bytes(32))
            connection.sendall(_frame(apdu.compute_signature(digest_info).to_bytes()))
            assert _read_frame(connection) == b"\x69\x82"
            connection.sendall(_frame(b"\x00"))  # power off
        # Closing the socket removes the card; without reconnect the client returns.
        client.join(timeout=30)
        assert not client.is_alive()
        assert inserted.is_set()
        assert not card.powered
    finally:
        listener.close()
        card.state.close()


def test_client_avoids_the_latency_trap(card_dir: Path) -> None:
    """TCP_NODELAY on the card's socket, so replies are not held back by Nagle."""
    card = EmulatedCard(CardState(card_dir))
    listener = socket.create_server(("127.0.0.1", 0))
    options: list[int] = []

    def on_connect(sock: socket.socket) -> None:
        options.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    client = threading.Thread(
        target=serve_vpcd,
        args=(card, "127.0.0.1", listener.getsockname()[1]),
        kwargs={"reconnect": False, "on_connect": on_connect},
    )
    client.start()
    connection, _ = listener.accept()
    connection.close()
    client.join(timeout=30)
    listener.close()
    card.state.close()
    assert options == [1]
