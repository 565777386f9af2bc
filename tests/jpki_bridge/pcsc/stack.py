"""The real PC/SC stack for tests: pcscd with vpcd, and ``shikaku card emulate`` as the card.

``pyscard → libpcsclite → pcscd → vpcd → TCP → shikaku card emulate`` (JPKI.md).
The session fixture starts ``pcscd --foreground`` (unless one is already
running, which it then uses and leaves alone), and each test that needs a card
starts the emulator as a subprocess. Both are stopped by PID. Readiness is
waited for by polling the reader state, with a generous deadline that only
turns a hang into a clear failure; no assertion depends on time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from jpki_bridge.pcsc import list_readers
from vc_core.errors import CardError

READER = "Virtual PCD 00 00"
VPCD_PORT = 35963
_PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
_VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
_DEADLINE = 30.0


def missing_reason() -> str | None:
    """Why the stack cannot run here, or ``None`` when everything is installed."""
    if not sys.platform.startswith("linux"):
        return "the PC/SC test stack (pcscd + vpcd) runs on Linux only"
    for tool in ("pcscd", "opensc-tool", "pkcs11-tool", "openssl"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed (make test installs it as root on Debian)"
    if not _VPCD_CONF.exists():
        return "vsmartcard-vpcd is not installed (no /etc/reader.conf.d/vpcd)"
    try:
        import smartcard.scard  # noqa: F401, PLC0415
    except ImportError:
        return "pyscard is not installed (make card-deps builds it)"
    if os.geteuid() != 0 and not _pcscd_running():
        return "pcscd is not running and only root can start it (make test runs as root)"
    return None


def _pcscd_running() -> bool:
    if not _PCSCD_SOCKET.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(_PCSCD_SOCKET))
        except OSError:
            return False
    return True


def wait_for(condition: Callable[[], bool], what: str, log: Path | None = None) -> None:
    """Poll ``condition`` until true; fail with ``what`` (and a log) after the deadline."""
    deadline = time.monotonic() + _DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"timed out waiting for {what}\n{detail}")
        time.sleep(0.05)


def card_present(expected: bool) -> bool:
    """Whether pcscd reports a card in the vpcd reader (as ``expected``)."""
    try:
        readers = {r.name: r for r in list_readers()}
    except CardError:
        return False  # pcscd is still starting.
    info = readers.get(READER)
    return info is not None and info.card_present is expected


class Pcscd:
    """pcscd started by the tests (or one that was already running, left alone)."""

    def __init__(self, workdir: Path) -> None:
        self.log = workdir / "pcscd.log"
        self.process: subprocess.Popen[bytes] | None = None
        if not _pcscd_running():
            help_text = subprocess.run(
                ["pcscd", "--help"], capture_output=True, text=True, check=False
            ).stdout
            flags = ["--disable-polkit"] if "disable-polkit" in help_text else []
            with self.log.open("wb") as out:
                self.process = subprocess.Popen(
                    ["pcscd", "--foreground", *flags], stdout=out, stderr=subprocess.STDOUT
                )
        what = (
            "the vpcd reader in our pcscd"
            if self.process is not None
            else "the vpcd reader in an already running pcscd (was it started before"
            " vsmartcard-vpcd was installed? it reads reader.conf.d only at start)"
        )
        wait_for(lambda: card_present(False) or card_present(True), what, self.log)

    def stop(self) -> None:
        """Stop pcscd by PID if the tests started it."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Emulator:
    """``shikaku card emulate`` as a vpcd card, started and stopped by PID."""

    def __init__(self, state: Path, pki_dir: Path, workdir: Path) -> None:
        self.state = state
        self.pki_dir = pki_dir
        self.access_log = workdir / "access.log"
        self.log = workdir / "emulator.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the emulator and wait until pcscd sees the card."""
        command = [
            str(shikaku_command()),
            "card",
            "emulate",
            "--vpcd",
            f"127.0.0.1:{VPCD_PORT}",
            "--state",
            str(self.state),
            "--pki",
            str(self.pki_dir),
            "--access-log",
            str(self.access_log),
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: card_present(True), "the emulated card in the reader", self.log)

    def stop(self) -> None:
        """Stop the emulator by PID and wait until the reader is empty."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        wait_for(lambda: card_present(False), "the reader to be empty", self.log)

    def restart(self) -> None:
        """Power the card off and on again by restarting its process."""
        self.stop()
        self.start()

    def accessed(self) -> list[str]:
        """The ``application file`` lines the emulator logged for every SELECT."""
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(encoding="utf-8").splitlines()


def shikaku_command() -> Path:
    """The ``shikaku`` console script of this virtualenv."""
    return Path(sys.executable).parent / "shikaku"


def run_shikaku(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``shikaku`` as a subprocess, as a user would, capturing its output."""
    return subprocess.run(
        [str(shikaku_command()), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
