"""The real PC/SC stack (pcscd + vpcd + ``shikaku card emulate``), from jpki_bridge's tests.

The fixtures are theirs (tests/jpki_bridge/pcsc): one pcscd per machine behind a lock
file, a freshly provisioned emulated card per test, each process stopped by PID. They skip
with the reason when the stack is not installed.
"""

from __future__ import annotations

from tests.jpki_bridge.pcsc.conftest import emulator, pcscd, pki_dir  # noqa: F401
