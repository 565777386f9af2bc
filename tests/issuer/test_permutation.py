"""The index permutation is a bijection for any key and size, and depends on the key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.status.permutation import new_key, permute


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.integers(min_value=1, max_value=3000))
def test_every_counter_maps_to_a_distinct_index_in_range(key: bytes, size: int) -> None:
    assert sorted(permute(key, size, n) for n in range(size)) == list(range(size))


def test_different_keys_give_different_orders() -> None:
    first, second = new_key(), new_key()
    assert first != second
    assert [permute(first, 131_072, n) for n in range(20)] != [
        permute(second, 131_072, n) for n in range(20)
    ]


def test_counters_outside_the_list_and_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        permute(new_key(), 10, 10)
    with pytest.raises(ValueError, match="128 bits"):
        permute(b"short", 10, 1)
