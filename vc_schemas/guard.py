"""The guard: what must never enter a credential, found in names and in values.

ARCHITECTURE.md: "Never in any credential: the My Number, an address, the raw JPKI
certificate or its serial, disposition history." A register export may carry all of them
(boards hold addresses for correspondence, the My Number for 情報連携, disposition records
for the register itself), so every record is scanned before anything is built, and every
built credential is scanned again before it is returned.

The My Number (個人番号) is 12 digits whose last digit is a check digit, defined by
行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条 and the
総務省令 it delegates to:

    check = 0                        if r <= 1
    check = 11 - r                   otherwise, where
    r     = (sum of P_n * Q_n for n = 1 .. 11) mod 11,
    P_n   = the n-th of the first 11 digits counted from the right (P_1 is the 11th digit),
    Q_n   = n + 1 for 1 <= n <= 6, and n - 5 for 7 <= n <= 11.

A 12-digit value with a valid check digit is refused wherever it appears, whatever the
field is called: a false positive (a 12-digit number that happens to check) costs a board a
phone call, a false negative puts a citizen's My Number in a credential.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from vc_core.mynumber import is_my_number, my_number_check_digit

__all__ = [
    "FieldError",
    "is_my_number",
    "my_number_check_digit",
    "scan_forbidden",
]

_MY_NUMBER_NAMES: Final = ("mynumber", "kojinbango", "individualnumber", "個人番号", "マイナンバー")
_ADDRESS_NAMES: Final = (
    "address",
    "postalcode",
    "zipcode",
    "postcode",
    "jusho",
    "住所",
    "居所",
    "郵便番号",
)
_JPKI_NAMES: Final = (
    "certificate",
    "x5c",
    "x5t",
    "jpki",
    "serialnumber",
    "certserial",
    "電子証明書",
    "シリアル番号",
)
_DISPOSITION_NAMES: Final = (
    "disposition",
    "sanction",
    "penalt",
    "disciplin",
    "reprimand",
    "処分",
    "戒告",
    "業務停止",
    "医業停止",
    "免許取消",
    "登録取消",
)
_DISPOSITION_WORDS: Final = re.compile(
    r"処分|戒告|業務停止|医業停止|歯科医業停止|名称使用停止|業務禁止|免許取消|登録取消|失格処分"
)
_POSTAL_CODE: Final = re.compile(
    r"〒\s*[0-9]{3}-?[0-9]{4}|(?<![0-9A-Za-z-])[0-9]{3}-[0-9]{4}(?![0-9A-Za-z-])"
)
_STREET: Final = re.compile(
    r"[0-9一二三四五六七八九十]+丁目|[0-9]+番地"
    r"|(?<![0-9A-Za-z-])[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}(?![0-9A-Za-z-])"
)
_PEM: Final = re.compile(r"-----BEGIN [A-Z ]*CERTIFICATE-----")
_DER_BASE64: Final = re.compile(r"^MI[IJ][A-Za-z0-9+/=_-]{200,}$")
_DER_HEX: Final = re.compile(r"^30820[0-9a-fA-F]{200,}$")


@dataclass(frozen=True)
class FieldError:
    """One refused field: where (a dotted path), a stable code, and a human message."""

    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def _normalised_name(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", unicodedata.normalize("NFKC", name)).lower()


def _name_errors(name: str, where: str) -> Iterator[FieldError]:
    found = _name_kind(name)
    if found is not None:
        yield FieldError(where, *found)


@lru_cache(maxsize=4096)
def _name_kind(name: str) -> tuple[str, str] | None:
    """The code and message a forbidden field name earns, or ``None`` (cached: a register
    import asks about the same few column names for every row)."""
    key = _normalised_name(name)
    if any(token in key for token in _MY_NUMBER_NAMES):
        return "schema.my_number", "a My Number never enters a credential"
    if any(token in key for token in _ADDRESS_NAMES):
        return "schema.address", "an address is not a register item"
    if any(token in key for token in _JPKI_NAMES):
        return "schema.jpki_data", "JPKI certificate data never enters a credential"
    if any(token in key for token in _DISPOSITION_NAMES):
        return "schema.disposition_history", "disposition history never enters a credential"
    return None


def _value_errors(value: str | int, where: str) -> Iterator[FieldError]:
    found = _value_kind(value) if isinstance(value, str) else _number_kind(value)
    if found is not None:
        yield FieldError(where, *found)


def _number_kind(value: str | int) -> tuple[str, str] | None:
    if is_my_number(value):
        return "schema.my_number", "the value is a My Number (its check digit fits)"
    return None


@lru_cache(maxsize=65536)
def _value_kind(value: str) -> tuple[str, str] | None:
    """The code and message a forbidden string earns, or ``None`` (cached: the same contexts,
    types and issuer names recur in every credential of a register)."""
    found = _number_kind(value)
    if found is not None:
        return found
    text = unicodedata.normalize("NFKC", value)
    if _PEM.search(text) or _DER_BASE64.match(text) or _DER_HEX.match(text):
        return "schema.jpki_data", "the value looks like certificate data"
    if _POSTAL_CODE.search(text) or _STREET.search(text):
        return "schema.address", "the value looks like an address"
    if _DISPOSITION_WORDS.search(text):
        return "schema.disposition_history", "the value names a disposition (処分)"
    return None


def scan_forbidden(data: Any, where: str = "") -> list[FieldError]:
    """Every forbidden name or value anywhere in ``data`` (mappings, lists, strings, ints).

    ``where`` is the dotted path of ``data`` itself; errors carry the path of what they
    found (``address``, ``trainings[1]``, ``credentialSubject.note``).

    Every name and value is looked at each time. Clean data — every credential a board
    issues, nearly every register row — is answered by one pass that builds no paths
    (:func:`_clean`); only data with a finding is walked again to say where.
    """
    if _clean(data):
        return []
    found = _scan(data, where)
    # The two passes make the same checks; should they ever disagree, refuse (fail closed).
    return found or [FieldError(where, "schema.field_malformed", "refused by the guard")]


def _clean(data: Any) -> bool:
    """Whether :func:`_scan` finds nothing in ``data``: the same checks in the same places,
    without the paths, walking a stack instead of recursing (a credential is some sixty
    names and values, and this runs twice for each of a register's million credentials)."""
    stack = [data]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        # The common cases first (exact types), without the abstract-class checks.
        if kind is str or (kind is not dict and isinstance(item, str)):
            if _value_kind(item) is not None:
                return False
        elif kind is dict or isinstance(item, Mapping):
            for key, value in item.items():
                if _name_kind(key if type(key) is str else str(key)) is not None:
                    return False
                push(value)
        elif kind is list or kind is tuple or isinstance(item, list | tuple):
            extend(item)
        elif not _clean_leaf(item):
            return False
    return True


def _clean_leaf(item: object) -> bool:
    """Whether :func:`_scan` finds nothing in a value that is no string, mapping or list."""
    if isinstance(item, int) and not isinstance(item, bool):
        return _number_kind(item) is None
    return not isinstance(item, bytes | bytearray)


def _scan(data: Any, where: str) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = type(data)
    if kind is str:  # The common cases first, without the abstract-class checks.
        errors.extend(_value_errors(data, where))
    elif kind is dict or isinstance(data, Mapping):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            name_errors = list(_name_errors(str(key), path))
            errors.extend(name_errors)
            if not name_errors:
                errors.extend(_scan(value, path))
    elif kind is list or isinstance(data, list | tuple):
        for index, value in enumerate(data):
            errors.extend(_scan(value, f"{where}[{index}]"))
    elif isinstance(data, bytes | bytearray):
        errors.append(
            FieldError(where, "schema.jpki_data", "binary data never enters a credential")
        )
    elif isinstance(data, str) or (isinstance(data, int) and not isinstance(data, bool)):
        errors.extend(_value_errors(data, where))
    return errors
