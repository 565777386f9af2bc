"""The guard: the My Number check digit and everything that must never enter a credential."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc_schemas.guard import _clean, _scan, is_my_number, my_number_check_digit, scan_forbidden


def test_check_digit_of_a_worked_example() -> None:
    # Worked by hand from the 総務省令 formula: for 12345678901, P_1..P_11 read from the
    # right are 1,0,9,8,7,6,5,4,3,2,1 and Q_1..Q_11 are 2,3,4,5,6,7,2,3,4,5,6, so the sum is
    # 2+0+36+40+42+42+10+12+12+10+6 = 212, 212 mod 11 = 3, and the check digit is 11-3 = 8.
    assert my_number_check_digit("12345678901") == 8
    assert is_my_number("123456789018")
    assert not is_my_number("123456789017")
    # P_2 = 1 and Q_2 = 3 give r = 3, so 11 - 3 = 8.
    assert my_number_check_digit("00000000010") == 8


def test_remainders_zero_and_one_give_zero() -> None:
    assert my_number_check_digit("00000000000") == 0  # r = 0
    # P_7 = 6 and Q_7 = 2 give 12, r = 1: check digit 0, not 10.
    assert my_number_check_digit("00006000000") == 0
    # P_1 = 5 and Q_1 = 2 give r = 10: check digit 11 - 10 = 1.
    assert my_number_check_digit("00000000005") == 1


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_check_digit_fits(first_eleven: str) -> None:
    fits = [d for d in range(10) if is_my_number(first_eleven + str(d))]
    assert fits == [my_number_check_digit(first_eleven)]


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_written_forms_are_recognised(first_eleven: str) -> None:
    number = first_eleven + str(my_number_check_digit(first_eleven))
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    hyphenated = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for form in (number, spaced, hyphenated, full_width):
        assert is_my_number(form)
    if not number.startswith("0"):
        assert is_my_number(int(number))


@pytest.mark.parametrize("value", ["12345678901", "1234567890189", "12345678901a", "", "abc"])
def test_not_twelve_digits_is_not_a_my_number(value: str) -> None:
    assert not is_my_number(value)


def test_check_digit_needs_eleven_digits() -> None:
    with pytest.raises(ValueError, match="11 ASCII digits"):
        my_number_check_digit("1234")


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"my_number": "x"}, "my_number", "schema.my_number"),
        ({"個人番号": "x"}, "個人番号", "schema.my_number"),
        ({"note": "123456789018"}, "note", "schema.my_number"),
        ({"note": 123456789018}, "note", "schema.my_number"),
        ({"address": "x"}, "address", "schema.address"),
        ({"postal_code": "x"}, "postal_code", "schema.address"),
        ({"住所": "x"}, "住所", "schema.address"),
        ({"note": "〒100-0001 東京都千代田区"}, "note", "schema.address"),
        ({"note": "千代田区永田町一丁目"}, "note", "schema.address"),
        ({"note": "霞が関1-2-2"}, "note", "schema.address"),
        ({"x5c": ["MII"]}, "x5c", "schema.jpki_data"),
        ({"cert_serial_number": "x"}, "cert_serial_number", "schema.jpki_data"),
        ({"note": "-----BEGIN CERTIFICATE-----\nMIIB"}, "note", "schema.jpki_data"),
        ({"note": "MIIC" + "A" * 300}, "note", "schema.jpki_data"),
        ({"blob": b"\x30\x82"}, "blob", "schema.jpki_data"),
        ({"dispositions": []}, "dispositions", "schema.disposition_history"),
        ({"処分歴": "x"}, "処分歴", "schema.disposition_history"),
        ({"note": "令和3年 戒告"}, "note", "schema.disposition_history"),
        ({"a": {"b": [{"c": "123456789018"}]}}, "a.b[0].c", "schema.my_number"),
    ],
)
def test_forbidden_names_and_values_are_found(
    data: dict[str, object], field: str, code: str
) -> None:
    errors = scan_forbidden(data)
    assert [(e.field, e.code) for e in errors] == [(field, code)]


@pytest.mark.parametrize(
    "value",
    [
        "2015-04-23",
        "2015-04-23T00:00:00+09:00",
        "urn:uuid:7d687d55-f0cd-574f-87f3-d647f3f2be9a",
        "did:key:zDnaen3PB5idkiqRsXC8aF1hNzndY7grRw8vcXBEoxLKnFsiF",
        "https://laws.e-gov.go.jp/law/323AC0000000201",
        "昭和23年法律第201号",
        "第2条・第5条・第6条",
        "123456",
        "ヤマダ ハナコ",
    ],
)
def test_ordinary_credential_values_pass(value: str) -> None:
    assert scan_forbidden({"value": value}) == []


_NAMES = st.sampled_from(["note", "name", "address", "x5c", "処分歴", "my_number", "a", "住所"])
_LEAVES = st.one_of(
    st.sampled_from(["山田", "123456789018", "〒100-0001", "令和3年 戒告", "2015-04-23", ""]),
    st.text(max_size=12),
    st.integers(min_value=0, max_value=10**13),
    st.sampled_from([123456789018, True, False, None, 1.5, b"\x30\x82", bytearray(b"x")]),
)
_NESTED = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.one_of(_NAMES, st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(_NESTED)
def test_the_quick_pass_and_the_walk_with_paths_agree(data: object) -> None:
    # scan_forbidden answers clean data with the quick pass alone; it may never call clean
    # what the walk that names the fields would refuse.
    assert _clean(data) == (not _scan(data, ""))
