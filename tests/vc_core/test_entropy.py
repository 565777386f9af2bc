"""The random pool hands out each byte once, draws without bias, and forgets its block in a
forked child."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from vc_core.entropy import RandomPool


def test_bytes_come_in_the_sizes_asked_and_never_repeat() -> None:
    pool = RandomPool(block=1000)
    salts = [pool.token_bytes(16) for _ in range(5000)]  # Many blocks.
    assert {len(s) for s in salts} == {16}
    assert len(set(salts)) == len(salts)
    assert len(pool.token_bytes(4000)) == 4000  # More than a block: read at once.
    assert pool.token_bytes(0) == b""
    with pytest.raises(ValueError, match="negative"):
        pool.token_bytes(-1)


def test_a_block_is_handed_out_once_slice_by_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    counter = iter(range(1, 1000))

    def urandom(count: int) -> bytes:
        reads.append(count)
        return bytes([next(counter)]) * count

    monkeypatch.setattr(os, "urandom", urandom)
    pool = RandomPool(block=48)
    taken = [pool.token_bytes(16) for _ in range(4)]
    assert reads == [48, 48]  # The fourth salt did not fit in the first block.
    assert taken[:3] == [bytes([1]) * 16] * 3  # Three distinct slices of block 1.
    assert taken[3] == bytes([2]) * 16


def test_draws_are_in_range_and_roughly_uniform() -> None:
    pool = RandomPool()
    draws = Counter(pool.randbelow(3) for _ in range(30_000))
    assert set(draws) == {0, 1, 2}
    assert all(9_000 < n < 11_000 for n in draws.values())
    assert {pool.randbelow(1) for _ in range(100)} == {0}
    assert all(0 <= pool.randbelow(1000) < 1000 for _ in range(1000))
    with pytest.raises(ValueError, match="positive"):
        pool.randbelow(0)


def test_a_forked_child_does_not_hand_out_its_parents_bytes() -> None:
    pool = RandomPool()
    pool.token_bytes(16)  # A block is read in the parent.
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        os.write(writer, pool.token_bytes(16))
        os._exit(0)
    os.close(writer)
    from_child = os.read(reader, 16)
    os.close(reader)
    os.waitpid(child, 0)
    assert from_child != pool.token_bytes(16)
