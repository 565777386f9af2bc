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

:func:`permute_many` gives the same indexes as :func:`permute` for a run of counters (an
allocation of a thousand credentials takes a thousand counters of each list at once): the
rounds go over the whole run together, and HMAC-SHA-256 (RFC 2104) starts from SHA-256
states precomputed for the key's inner and outer pads instead of keying OpenSSL's HMAC for
every block. A round function's input is one half of the value, at most 2**12 values for the
largest list a board configures (16 Mi entries), so :func:`permute_many` tabulates each round
once per list key and process (:func:`_round_tables`) and then each index is ten table
lookups: a board allocating 1.3 million pairs of indexes computes a few thousand HMACs per
list instead of some fifty million. The tests hold :func:`permute`, the tables and the direct
round functions to the same output.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final

__all__ = ["KEY_BYTES", "ROUNDS", "new_key", "permute", "permute_many"]

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


def _check(key: bytes, size: int, counter: int) -> None:
    if len(key) < 16:
        raise ValueError("a permutation key has at least 128 bits")
    if not 0 <= counter < size:
        raise ValueError(f"counter {counter} is outside 0..{size - 1}")


def permute(key: bytes, size: int, counter: int) -> int:
    """The ``counter``-th element of the permutation of ``range(size)`` keyed by ``key``."""
    _check(key, size, counter)
    half = _half_bits(size)
    value = _feistel(key, half, counter)
    # Cycle-walking: the domain is at most four times ``size``, so this ends after four
    # steps on average, and it always ends because ``counter`` itself lies in range.
    while value >= size:
        value = _feistel(key, half, value)
    return value


def permute_many(key: bytes, size: int, counters: Sequence[int]) -> list[int]:
    """``[permute(key, size, c) for c in counters]``, computed together (see the module)."""
    for counter in (min(counters), max(counters)) if counters else ():
        _check(key, size, counter)
    if not counters:
        _check(key, size, 0)
        return []
    half = _half_bits(size)
    rounds = _round_tables(key, half) if half <= _TABLE_MAX_HALF else _round_function(key, half)
    out = _feistel_many(rounds, half, list(counters))
    # Cycle-walking, as in permute: the values still outside the list go round again.
    pending = [i for i, value in enumerate(out) if value >= size]
    while pending:
        again = _feistel_many(rounds, half, [out[i] for i in pending])
        for i, value in zip(pending, again, strict=True):
            out[i] = value
        pending = [i for i in pending if out[i] >= size]
    return out


_Round = Callable[[int], int]
_BLOCK: Final = 64  # SHA-256's block size (RFC 2104's B).
#: The widest half tabulated (2**14 entries a round); wider domains compute each round.
_TABLE_MAX_HALF: Final = 14


@lru_cache(maxsize=64)
def _round_tables(key: bytes, half: int) -> list[_Round]:
    """The round functions of :func:`_round_function` as lookups into their whole tables
    (``2**half`` values each), made once per key and width in this process."""
    return [
        tuple(mac(right) for right in range(1 << half)).__getitem__
        for mac in _round_function(key, half)
    ]


def _round_function(key: bytes, half: int) -> list[_Round]:
    """The :data:`ROUNDS` round functions of :func:`_feistel` for ``key``: HMAC-SHA-256 of
    the round number and the right half, its first 8 bytes masked to ``half`` bits."""
    padded = (hashlib.sha256(key).digest() if len(key) > _BLOCK else key).ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    mask = (1 << half) - 1
    width = (half + 7) // 8

    def make(round_number: int) -> _Round:
        prefix = bytes([round_number])

        def mac(right: int) -> int:
            h = inner.copy()
            h.update(prefix + right.to_bytes(width, "big"))
            o = outer.copy()
            o.update(h.digest())
            return int.from_bytes(o.digest()[:8], "big") & mask

        return mac

    return [make(n) for n in range(ROUNDS)]


def _feistel_many(rounds: list[_Round], half: int, values: list[int]) -> list[int]:
    mask = (1 << half) - 1
    lefts = [value >> half for value in values]
    rights = [value & mask for value in values]
    for mac in rounds:
        lefts, rights = (
            rights,
            [left ^ mac(right) for left, right in zip(lefts, rights, strict=True)],
        )
    return [(left << half) | right for left, right in zip(lefts, rights, strict=True)]
