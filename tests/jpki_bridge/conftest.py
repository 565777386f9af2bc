"""Fixtures for jpki_bridge: a test PKI, a provisioned emulator card, a session to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jpki_bridge.emulator import CardState
from jpki_bridge.pki import TestPki, make_test_pki
from jpki_bridge.session import CardSession
from jpki_bridge.transport import InProcessTransport


@pytest.fixture(scope="session")
def pki() -> TestPki:
    """One test PKI for the whole run (RSA key generation is the slow part)."""
    return make_test_pki()


@pytest.fixture
def card_dir(tmp_path: Path, pki: TestPki) -> Path:
    """A fresh emulator state directory with full PIN counters."""
    directory = tmp_path / "card"
    CardState.provision(directory, pki)
    return directory


@pytest.fixture
def session(card_dir: Path) -> Iterator[CardSession]:
    """A session to the fresh card through the in-process transport."""
    with CardSession(InProcessTransport.open(card_dir)) as opened:
        yield opened
