"""vc_core.jsonout.compact (and encode_json, which signs with it): orjson's bytes where they
are the standard encoder's, the standard encoder's everywhere else."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc_core.jose import encode_json
from vc_core.jsonout import compact


def _reference(value: Any, *, sort_keys: bool = False) -> bytes:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys)
    return text.encode("utf-8")


_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)
_JOSE_VALUES = st.recursive(
    st.one_of(_TEXT, st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=16,
)


@given(_JOSE_VALUES)
def test_what_a_jose_object_holds_is_written_as_the_standard_encoder_writes_it(
    value: Any,
) -> None:
    assert encode_json(value) == _reference(value)
    # Sorted as a stored register record is (issuer.store.record_json): code-point order.
    assert compact(value, sort_keys=True) == _reference(value, sort_keys=True)


@pytest.mark.parametrize(
    "value",
    [
        {"n": None},
        {"x": float("nan")},
        {"x": float("inf")},
        {"big": 2**70},
        {"neg": -(2**64)},
        {1: "a non-string key"},
        {"tuple": (1, 2)},
        {"k": "".join(chr(i) for i in range(0x80)) + "\u2028\u00e9漢字\U0001f600"},
    ],
)
def test_what_orjson_would_write_otherwise_is_the_standard_encoders(value: Any) -> None:
    assert encode_json(value) == _reference(value)
    if not any(isinstance(key, int) for key in value):
        assert compact(value, sort_keys=True) == _reference(value, sort_keys=True)


class _Name(str):
    pass


@dataclass
class _Thing:
    a: int


def test_subclasses_and_dataclasses_are_not_written_by_orjson() -> None:
    assert encode_json({_Name("k"): _Name("v")}) == b'{"k":"v"}'
    with pytest.raises(TypeError):
        encode_json({"thing": _Thing(1)})


def test_a_lone_surrogate_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        encode_json({"k": "\ud800"})
