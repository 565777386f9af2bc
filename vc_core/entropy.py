"""Random bytes for many small secrets at once: salts and decoys of a batch of SD-JWTs.

An SD-JWT carries a 128-bit salt per Disclosure and a random number of decoy digests
(RFC 9901 §4.2.1, §4.2.5); :mod:`secrets` reads the operating system's CSPRNG once per
salt and once per draw, a system call each. Issuing a register (a dozen salts and draws per
credential, a million credentials) is better served by :class:`RandomPool`: it reads
``os.urandom`` a block at a time and hands the block out in slices, each byte once. The
bytes are the operating system's, as with :mod:`secrets`; only the number of calls changes.

A pool belongs to one process: after a ``fork`` the child throws the inherited block away
(two processes handing out the same bytes would give two credentials the same salt). It is
safe to share between threads.
"""

from __future__ import annotations

import os
import threading
from typing import Final

__all__ = ["BLOCK_BYTES", "RandomPool"]

#: How many bytes a pool reads from the operating system at a time.
BLOCK_BYTES: Final = 64 * 1024

_forks = [0]


def _forked() -> None:
    _forks[0] += 1


os.register_at_fork(after_in_child=_forked)


class RandomPool:
    """``token_bytes`` and ``randbelow`` as in :mod:`secrets`, from blocks of ``os.urandom``."""

    def __init__(self, block: int = BLOCK_BYTES) -> None:
        if block < 1:
            raise ValueError("a pool reads at least one byte at a time")
        self._block = block
        self._buffer = b""
        self._offset = 0
        self._generation = -1
        self._lock = threading.Lock()

    def token_bytes(self, count: int) -> bytes:
        """``count`` fresh random bytes (never handed out before, by this pool or another)."""
        if count < 0:
            raise ValueError("a negative number of bytes")
        if count > self._block:
            return os.urandom(count)
        with self._lock:
            if self._generation != _forks[0] or self._offset + count > len(self._buffer):
                self._buffer = os.urandom(self._block)
                self._offset = 0
                self._generation = _forks[0]
            start = self._offset
            self._offset = start + count
            return self._buffer[start : start + count]

    def randbelow(self, bound: int) -> int:
        """A uniform integer in ``range(bound)`` (rejection sampling, no modulo bias)."""
        if bound <= 0:
            raise ValueError("the bound must be positive")
        bits = bound.bit_length()
        size = (bits + 7) // 8
        while True:
            value = int.from_bytes(self.token_bytes(size), "big") >> (size * 8 - bits)
            if value < bound:
                return value
