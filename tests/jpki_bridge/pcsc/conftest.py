"""Fixtures for the real PC/SC stack: pcscd with vpcd, and the emulator as the card.

The stack is one per machine (one pcscd, one vpcd port), so a lock file
serialises test runs that use it: a second ``make test`` running at the same
time waits here instead of inserting its own card into the same reader. The
daemon is started for this package of tests and stopped, by PID, when the
package is done, so the lock is held only while these tests run.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jpki_bridge.pki import TestPki
from tests.jpki_bridge.pcsc.stack import Emulator, Pcscd, missing_reason

_LOCK = Path(tempfile.gettempdir()) / "shikaku-pcsc-stack.lock"


@pytest.fixture(scope="package")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """pcscd with the vpcd reader; skips with the reason when the stack is not installed."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with _LOCK.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        daemon = Pcscd(tmp_path_factory.mktemp("pcscd"))
        try:
            yield daemon
        finally:
            daemon.stop()
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


@pytest.fixture(scope="package")
def pki_dir(tmp_path_factory: pytest.TempPathFactory, pki: TestPki) -> Path:
    """The session's test PKI, saved as ``shikaku card make-test-pki`` would."""
    directory = tmp_path_factory.mktemp("pki") / "pki"
    pki.save(directory)
    return directory


@pytest.fixture
def emulator(pcscd: Pcscd, tmp_path: Path, pki_dir: Path) -> Iterator[Emulator]:
    """A fresh card (full PIN counters) in the vpcd reader, served by ``shikaku card emulate``."""
    card = Emulator(tmp_path / "card", pki_dir, tmp_path)
    card.start()
    try:
        yield card
    finally:
        card.stop()
