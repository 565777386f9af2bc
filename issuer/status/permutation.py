"""Random status-list indexes that can never repeat: a keyed pseudorandom permutation.

W3C Bitstring Status List v1.0 §2.1 (``statusListIndex``): "Implementations SHOULD assign
indexes randomly, such that inferences — such as the recency of the assignment or the size of
the group — cannot be easily drawn from that position", and §6 (Privacy Considerations) asks
that an index is never reused.

Each list gets a 256-bit key from the operating system's CSPRNG (:func:`secrets.token_bytes`)
when it is created. The ``n``-th allocation in a list takes index ``permute(key, size, n)``,
where ``permute`` is a bijection of ``range(size)``: a balanced Feistel network of
:data:`ROUNDS` rounds whose round function is HMAC-SHA-256 under the list's key, restricted to
``range(size)`` by cycle-walking (Black and Rogaway, "Ciphers with Arbitrary Finite Domains",
2002). Without the key the sequence of indexes is indistinguishable from a random draw without
replacement; and because it is a bijection, distinct counters give distinct indexes.

Uniqueness therefore reduces to a counter that only grows, which the registry keeps on the
list's row and advances in the same transaction that records the allocation (see
:mod:`issuer.status.registry`).
"""

from __future__ import annotations

import hmac
import secrets

__all__ = ["KEY_BYTES", "ROUNDS", "new_key", "permute"]

KEY_BYTES = 32
ROUNDS = 10


def new_key() -> bytes:
    """A fresh permutation key from the operating system's CSPRNG."""
    return secrets.token_bytes(KEY_BYTES)


def _half_bits(size: int) -> int:
    """Half the width of the smallest even-width power-of-two domain that holds ``size``."""
    bits = max(2, (size - 1).bit_length())
    return (bits + 1) // 2


def _feistel(key: bytes, half: int, value: int) -> int:
    mask = (1 << half) - 1
    width = (half + 7) // 8
    left, right = value >> half, value & mask
    for round_number in range(ROUNDS):
        digest = hmac.digest(key, bytes([round_number]) + right.to_bytes(width, "big"), "sha256")
        left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
    return (left << half) | right


def permute(key: bytes, size: int, counter: int) -> int:
    """The ``counter``-th element of the permutation of ``range(size)`` keyed by ``key``."""
    if len(key) < 16:
        raise ValueError("a permutation key has at least 128 bits")
    if not 0 <= counter < size:
        raise ValueError(f"counter {counter} is outside 0..{size - 1}")
    half = _half_bits(size)
    value = _feistel(key, half, counter)
    # Cycle-walking: the domain is at most four times ``size``, so this ends after four
    # steps on average, and it always ends because ``counter`` itself lies in range.
    while value >= size:
        value = _feistel(key, half, value)
    return value
