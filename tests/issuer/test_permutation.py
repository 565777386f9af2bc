"""The index permutation is a bijection for any key and size, and depends on the key."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.status.permutation import new_key, permute, permute_many


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


@settings(max_examples=40, deadline=None)
@given(
    st.binary(min_size=16, max_size=100),
    st.integers(min_value=1, max_value=5000),
    st.data(),
)
def test_a_run_of_counters_gives_what_one_at_a_time_gives(
    key: bytes, size: int, data: st.DataObject
) -> None:
    start = data.draw(st.integers(min_value=0, max_value=size - 1))
    count = data.draw(st.integers(min_value=0, max_value=min(size - start, 300)))
    counters = list(range(start, start + count))
    assert permute_many(key, size, counters) == [permute(key, size, n) for n in counters]


def test_a_run_in_a_full_size_list_gives_what_one_at_a_time_gives() -> None:
    key = new_key()
    counters = list(range(131_072 - 700, 131_072))
    assert permute_many(key, 131_072, counters) == [permute(key, 131_072, n) for n in counters]


@pytest.mark.parametrize("size", [16 * 1024 * 1024, 2**30 + 5])
def test_the_largest_tabulated_lists_and_wider_ones_agree_with_one_at_a_time(size: int) -> None:
    # 16 Mi entries, the largest list a board configures, tabulates its rounds (half 12); a
    # list of 2**30 and more computes each round (half 16) as permute does.
    key = new_key()
    counters = list(range(size - 300, size))
    assert permute_many(key, size, counters) == [permute(key, size, n) for n in counters]


def test_a_run_outside_the_list_or_with_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        permute_many(new_key(), 10, [8, 9, 10])
    with pytest.raises(ValueError, match="outside"):
        permute_many(new_key(), 10, [-1])
    with pytest.raises(ValueError, match="128 bits"):
        permute_many(b"short", 10, [1])
