"""The real PC/SC stack for enrolment: jpki_bridge's fixtures (pcscd + vpcd, one lock)."""

from __future__ import annotations

from tests.jpki_bridge.pcsc.conftest import emulator, pcscd, pki_dir

__all__ = ["emulator", "pcscd", "pki_dir"]
