"""The input boundary (vc_core.jsonio): strict UTF-8 and JSON, each refusal with its code."""

from __future__ import annotations

import io
import json
import math
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc_core.errors import InputError
from vc_core.jsonio import (
    DEFAULT_LIMITS,
    Limits,
    decode_utf8,
    iter_lines,
    loads,
    loads_toml,
    read_bytes,
    read_json,
    read_text,
    read_toml,
)

SMALL = Limits(max_bytes=200, max_depth=4, max_items=3, max_integer_digits=5, max_string_bytes=8)


def _code(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        loads(data, limits=limits)
    return caught.value.code


# -- What is accepted, and read the way json.loads reads it -------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(json_values)
def test_what_json_writes_is_read_back_unchanged(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert loads(text) == value
        assert loads(text.encode("utf-8")) == value


@given(st.binary(max_size=64))
def test_any_bytes_are_read_or_refused_with_an_input_code(data: bytes) -> None:
    try:
        loads(data)
    except InputError as exc:
        assert exc.code.startswith("input.")


def test_a_leading_byte_order_mark_is_ignored_once() -> None:
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert loads('\ufeff["x"]') == ["x"]
    assert loads('["\ufeff"]') == ["\ufeff"]  # Inside a string it is a character.
    assert _code(b"\xef\xbb\xbf\xef\xbb\xbf{}") == "input.json_invalid"


# -- UTF-8 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": "\xff"}',
        b'{"a": "\xc0\xaf"}',  # An overlong "/".
        b'{"a": "\xed\xa0\x80"}',  # A surrogate, encoded.
        '{"a": 1}'.encode("utf-16"),
    ],
)
def test_bytes_that_are_not_utf8_are_refused(data: bytes) -> None:
    assert _code(data) == "input.not_utf8"


def test_the_offset_of_bad_utf8_is_reported() -> None:
    with pytest.raises(InputError) as caught:
        decode_utf8(b"abc\xffdef", where="card.json")
    assert caught.value.details["offset"] == 3
    assert "card.json" in caught.value.message


def test_escaped_lone_surrogates_are_refused_with_their_pointer() -> None:
    with pytest.raises(InputError) as caught:
        loads('{"a": [1, "x\\udc00"]}')
    assert (caught.value.code, caught.value.details["pointer"]) == ("input.not_utf8", "/a/1")
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"  # A pair is one character.


# -- Strict JSON ----------------------------------------------------------------------------


def test_a_repeated_member_is_refused_with_its_pointer() -> None:
    with pytest.raises(InputError) as caught:
        loads('{"a": [{"b~/c": 1, "b~/c": 2}]}')
    assert caught.value.code == "input.duplicate_key"
    assert caught.value.details["pointer"] == "/a/0/b~0~1c"


def test_a_repeat_hidden_in_a_member_that_is_itself_repeated_is_refused() -> None:
    assert _code('{"a": {"x": 1, "x": 2}, "a": 1}') == "input.duplicate_key"
    assert _code('[{"a": {"x": 1, "x": 2}, "a": 1}]') == "input.duplicate_key"


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e400", "-1e999"])
def test_nan_infinity_and_overflow_are_refused(text: str) -> None:
    assert _code(text) == "input.number_invalid"


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        loads('{\n  "a": 1,\n  }', where="credential.json")
    assert caught.value.code == "input.json_invalid"
    assert (caught.value.details["line"], caught.value.details["column"]) == (3, 3)
    assert "credential.json" in caught.value.message
    assert _code(b"") == "input.json_invalid"
    assert _code('{"a": 1} {"b": 2}') == "input.json_invalid"


# -- Limits --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_refused_before_the_parser_recurses(depth: int) -> None:
    assert _code("[" * depth + "]" * depth) == "input.too_deep"
    assert _code('{"a":' * depth + "0" + "}" * depth) == "input.too_deep"
    assert _code("[" * depth) == "input.too_deep"  # Unbalanced: still no recursion.


def test_nesting_at_the_limit_is_read() -> None:
    depth = DEFAULT_LIMITS.max_depth
    assert loads("[" * depth + "]" * depth) is not None


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps(["[" * 1000, "{" * 1000, '\\"[[[', "\\\\"])
    assert loads(text)[0] == "[" * 1000


def test_size_is_refused_before_parsing() -> None:
    assert _code(b"[" + b"1," * 200 + b"1]", SMALL) == "input.too_large"
    assert _code("1" * 201, SMALL) == "input.too_large"
    assert _code("\u3042" * 67, SMALL) == "input.too_large"  # 201 bytes of UTF-8.
    assert loads('"\u3042\u3042"', limits=SMALL) == "\u3042\u3042"


def test_members_per_array_and_object_are_limited() -> None:
    assert loads("[1, 2, 3]", limits=SMALL) == [1, 2, 3]
    assert _code("[1, 2, 3, 4]", SMALL) == "input.too_many_items"
    assert _code('{"a": 1, "b": 2, "c": 3, "d": 4}', SMALL) == "input.too_many_items"


def test_integer_digits_are_limited_before_conversion() -> None:
    assert loads("-99999", limits=SMALL) == -99999
    assert _code("123456", SMALL) == "input.integer_too_long"
    assert _code("[" + "9" * 4_000 + "]") == "input.integer_too_long"
    assert _code("-" + "9" * 100_000) == "input.integer_too_long"
    assert math.isclose(loads("1" + "0" * 400 + ".0e-400"), 1.0)  # Floats are not integers.


def test_string_length_is_limited_in_bytes() -> None:
    assert loads('"12345678"', limits=SMALL) == "12345678"
    assert _code('"123456789"', SMALL) == "input.too_large"
    assert _code('"\u3042\u3042\u3042"', SMALL) == "input.too_large"  # 9 bytes.
    assert _code('{"123456789": 1}', SMALL) == "input.too_large"  # Member names too.


def test_admitting_raises_only_the_size_limits() -> None:
    raised = SMALL.admitting(1_000)
    assert (raised.max_bytes, raised.max_string_bytes) == (1_000, 1_000)
    assert (raised.max_depth, raised.max_items) == (SMALL.max_depth, SMALL.max_items)
    assert SMALL.admitting(8) is SMALL


# -- Files ----------------------------------------------------------------------------------


def test_files_are_read_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"名前": "花子"}', encoding="utf-8")
    assert read_json(path) == {"名前": "花子"}
    assert read_text(path) == '{"名前": "花子"}'
    path.write_bytes(b"x" * 201)
    with pytest.raises(InputError) as caught:
        read_bytes(path, limits=SMALL)
    assert caught.value.code == "input.too_large"


@pytest.mark.parametrize("kind", ["folder", "missing", "missing-folder"])
def test_what_is_not_a_readable_file_is_unreadable(tmp_path: Path, kind: str) -> None:
    target = {
        "folder": tmp_path,
        "missing": tmp_path / "none.json",
        "missing-folder": tmp_path / "none" / "x.json",
    }[kind]
    with pytest.raises(InputError) as caught:
        read_json(target)
    assert caught.value.code == "input.unreadable"
    assert str(target) in caught.value.message


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"a": 1}'), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert read_json("-") == {"a": 1}


def test_lines_are_numbered_and_an_overlong_one_is_cut_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"a": 1}\n\n' + b'"' + b"x" * 500 + b'"\n{"b": 2}\r\n')
    lines = list(iter_lines(path, limits=SMALL))
    assert [number for number, _ in lines] == [1, 3, 4]
    assert lines[0][1] == b'{"a": 1}' and lines[2][1] == b'{"b": 2}'
    assert len(lines[1][1]) == SMALL.max_bytes + 1
    with pytest.raises(InputError) as caught:
        loads(lines[1][1], limits=SMALL)
    assert caught.value.code == "input.too_large"


# -- TOML ------------------------------------------------------------------------------------


def _toml_code(text: str | bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        loads_toml(text, limits=limits)
    return caught.value.code


def test_toml_is_read_as_tomllib_reads_it() -> None:
    text = '# [[[ not structure\n[[issuer]]\nid = "a[[b"\nq = ["x", [1, [2]]]\nm = """\n[[[\n"""\n'
    assert loads_toml(text) == {"issuer": [{"id": "a[[b", "q": ["x", [1, [2]]], "m": "[[[\n"}]}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000, "input.too_deep"),
        ("a = " + "{b = " * 2_000 + "1" + "}" * 2_000, "input.too_deep"),
        ("a = " + "9" * 4_000, "input.integer_too_long"),
        ("a = 1\na = 2", "input.toml_invalid"),
        ("a = ", "input.toml_invalid"),
        (b'a = "\xff"', "input.not_utf8"),
        ("a = [" + "1, " * 20_000 + "1]", "input.too_many_items"),
    ],
)
def test_toml_is_refused_with_the_codes_json_has(text: str | bytes, code: str) -> None:
    assert _toml_code(text) == code


def test_a_toml_file_is_read_within_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('name = "資格"\n', encoding="utf-8")
    assert read_toml(path) == {"name": "資格"}
    with pytest.raises(InputError) as caught:
        read_toml(tmp_path)
    assert caught.value.code == "input.unreadable"


def test_a_refused_document_leaves_nothing_behind_for_the_next_parse() -> None:
    """Each thread reuses one decoder: what a parse found (or raised in) never leaks."""
    with pytest.raises(InputError) as repeated:
        loads('{"a": {"b": 1, "b": 2}}')
    assert repeated.value.details["pointer"] == "/a/b"
    with pytest.raises(InputError) as too_long:
        loads('{"n": ' + "9" * 5000 + "}")
    assert too_long.value.code == "input.integer_too_long"
    assert loads('{"a": {"b": 1}, "c": [1, 2]}') == {"a": {"b": 1}, "c": [1, 2]}
    with pytest.raises(InputError) as again:
        loads('{"x": 1, "x": 1}', where="the body")
    assert again.value.details["pointer"] == "/x"
    assert "the body" in again.value.message


def test_threads_parsing_at_once_each_get_their_own_answer() -> None:
    documents = [(f'{{"k{i}": {i}, "k{i}": 0}}', None) for i in range(40)] + [
        (f'{{"k{i}": [{i}, {{"v": "{i}"}}]}}', {f"k{i}": [i, {"v": str(i)}]}) for i in range(40)
    ]
    wrong: list[str] = []
    start = threading.Barrier(8)

    def parse() -> None:
        start.wait()
        for _ in range(50):
            for text, expected in documents:
                try:
                    value = loads(text)
                except InputError as exc:
                    if expected is not None or exc.code != "input.duplicate_key":
                        wrong.append(text)
                else:
                    if value != expected:
                        wrong.append(text)

    threads = [threading.Thread(target=parse) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
