"""Fixtures for the holder tests: the status board of the verifier tests, and a card.

The board (a real status registry and publisher behind an :class:`httpx.MockTransport`) is
the one ``tests/verifier`` uses, so a dc+sd-jwt's Token Status List reference is checked
against a list the registry really publishes. The card fixtures are jpki_bridge's.
"""

from __future__ import annotations

from tests.jpki_bridge.conftest import card_dir, pki, session  # noqa: F401
from tests.verifier.conftest import board, checker, clock, make_checker, web  # noqa: F401
