"""The input boundary: strict UTF-8 and strict JSON, with limits, for everything shikaku reads.

Every command, route and file that takes JSON from outside goes through :func:`loads` (or
:func:`read_json`, which reads the file first), so that every part of shikaku reads one
document the same way and refuses the same things, each with its own ``input.*`` code:

- **UTF-8, strictly** (RFC 8259 §8.1): bytes that are not UTF-8 (overlong forms, encoded
  surrogates, UTF-16) are ``input.not_utf8``. One leading UTF-8 byte order mark is ignored,
  as RFC 8259 §8.1 allows ("MAY ignore the presence of a byte order mark"), because editors
  on Windows write one; a U+FEFF anywhere else is an ordinary character. A string that
  escapes a lone surrogate (``"\\ud800"``) has no UTF-8 form either (RFC 7493 §2.1, I-JSON)
  and is ``input.not_utf8`` too.
- **JSON, strictly** (RFC 8259, RFC 7493): a member name twice in one object is
  ``input.duplicate_key`` with the JSON pointer of the second one (RFC 8259 §4 leaves its
  meaning to the parser, so two parsers could read different claims); ``NaN``, ``Infinity``
  and numbers that overflow to them are ``input.number_invalid``; anything else that is not
  JSON is ``input.json_invalid`` with its line and column.
- **Limits** (:class:`Limits`): the size in bytes (``input.too_large``, checked before
  parsing), the nesting depth (``input.too_deep``, checked by a scan of the brackets outside
  strings *before* the recursive parser runs, so a 100,000-deep document never reaches
  Python's recursion limit), members per array or object (``input.too_many_items``), digits
  per integer (``input.integer_too_long``, checked before ``int()`` converts, whose cost grows
  with the square of the length), and bytes per string (``input.too_large``).

Files: :func:`read_bytes` reads a path (``-`` is standard input) but never more than
``max_bytes + 1`` bytes of it; a folder, a missing or unreadable file is ``input.unreadable``.
:func:`iter_lines` reads JSON Lines one bounded line at a time, for batches larger than one
document may be.

TOML (configuration, the verifier's trust registry) goes through the same boundary:
:func:`loads_toml` and :func:`read_toml` apply the same UTF-8 rule and limits before
:mod:`tomllib` parses, and a syntax error is ``input.toml_invalid``.
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO, Final

from vc_core.errors import InputError

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "decode_utf8",
    "iter_lines",
    "loads",
    "loads_toml",
    "read_bytes",
    "read_json",
    "read_text",
    "read_toml",
]


@dataclass(frozen=True)
class Limits:
    """How much one JSON input may hold; :data:`DEFAULT_LIMITS` documents the defaults.

    The defaults admit every real input shikaku meets, measured on the project's own data
    with ample room, and refuse what only an attacker sends:

    - ``max_bytes`` 1 MiB. Measured on the JP-profile sample: a credential as a register line
      is 2.0 KB, signed with ecdsa-rdfc-2019 2.4 KB, with an ecdsa-sd-2023 base proof 3.7 KB;
      as a dc+sd-jwt 3.8 KB, a vc+sd-jwt 4.5 KB. The largest status list credential of the
      minimum size (131,072 random, so incompressible, 8-bit entries) holds a 175 KB list.
    - ``max_depth`` 64. A JP-profile credential nests 5 deep, a presentation holding it 7.
    - ``max_items`` 10,000 members in one array or object. A credential has tens; a status
      list credential holds its list as one string.
    - ``max_integer_digits`` 30. The longest integers shikaku reads are NumericDates
      (10 digits) and list indexes (7 digits); 2^64 has 20 digits.
    - ``max_string_bytes`` 256 KiB, for the 175 KB encoded status list above.

    A caller that reads bigger documents on purpose (a status list fetched under its own
    size limit) passes its own ``Limits``. What JSON-LD processing may take on is limited
    further, by JSON values (:data:`vc_core.jsonld.processor.MAX_JSONLD_VALUES`).
    """

    max_bytes: int = 1024 * 1024
    max_depth: int = 64
    max_items: int = 10_000
    max_integer_digits: int = 30
    max_string_bytes: int = 256 * 1024

    def with_max_bytes(self, max_bytes: int) -> Limits:
        """These limits for a document of up to ``max_bytes`` (strings as long as the document)."""
        return replace(self, max_bytes=max_bytes, max_string_bytes=max_bytes)

    def admitting(self, size: int) -> Limits:
        """These limits, raised if need be to admit ``size`` bytes and a string as long.

        For JSON inside something an outer reader has already bounded (a JWS payload, a
        status list fetched under its own size limit): depth, members and integer digits
        still apply; the size was the outer reader's to judge.
        """
        if size <= self.max_bytes and size <= self.max_string_bytes:
            return self
        return self.with_max_bytes(max(size, self.max_bytes))


#: The limits every command and route uses unless it says otherwise.
DEFAULT_LIMITS: Final = Limits()

_BOM: Final = "\ufeff"
# A JSON string (RFC 8259 §7), written as an unrolled loop so that long strings cost linear time.
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# TOML strings (multi-line first) and comments, whose brackets and digits are not structure.
_TOML_SKIP: Final = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)
_NOTHING: Final = re.compile(r"(?!)")
_DEPTH_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}


def decode_utf8(data: bytes, *, where: str = "input") -> str:
    """``data`` as strict UTF-8 without one leading byte order mark; else ``input.not_utf8``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "input.not_utf8", f"{where} is not UTF-8 (at byte {exc.start})", offset=exc.start
        ) from None
    return text.removeprefix(_BOM)


def _check_size(text: str, limits: Limits, where: str) -> None:
    # Every character is at least one byte, at most four: encode only when it can matter.
    if len(text) > limits.max_bytes or (
        len(text) * 4 > limits.max_bytes
        and len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes
    ):
        raise InputError("input.too_large", f"{where} is larger than {limits.max_bytes} bytes")


def _check_depth(text: str, limits: Limits, where: str, skip: re.Pattern[str] = _STRING) -> None:
    """Refuse nesting deeper than the limit before any recursive parser sees the text.

    Strings (and TOML comments: ``skip``) are removed first, since their brackets are not
    structure; what is left is reduced to its brackets and their running depth is summed at
    C speed. An unterminated string leaves its brackets in, which at worst reports a
    malformed document as too deep.
    """
    if text.count("[") + text.count("{") <= limits.max_depth:
        return  # Nesting needs an opening bracket per level (a JOSE header, a disclosure).
    brackets = _NOT_BRACKET.sub("", skip.sub("", text))
    if len(brackets) <= limits.max_depth:
        return
    deepest = max(accumulate(_DEPTH_STEP[c] for c in brackets), default=0)
    if deepest > limits.max_depth:
        raise InputError(
            "input.too_deep", f"{where} nests {deepest} deep; the limit is {limits.max_depth}"
        )


class _Parser:
    """The :mod:`json` hooks that enforce the limits as a document is built, and the decoder
    they are bound to. Each thread keeps one and points it at the next parse (:func:`_parser`):
    a decoder is made once per thread instead of once per document."""

    def __init__(self, limits: Limits, where: str) -> None:
        self.limits = limits
        self.where = where
        self.busy = False
        # id(object) -> (the object, kept alive so its id stays unique; its first repeated name)
        self.duplicates: dict[int, tuple[dict[str, Any], str]] = {}
        self.decoder = json.JSONDecoder(
            object_pairs_hook=self.object_pairs,
            parse_int=self.parse_int,
            parse_float=self.parse_float,
            parse_constant=self.parse_constant,
        )

    def object_pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len(pairs) > self.limits.max_items:
            raise InputError(
                "input.too_many_items",
                f"{self.where} has an object of {len(pairs)} members; "
                f"the limit is {self.limits.max_items}",
            )
        result = dict(pairs)
        if len(result) != len(pairs):
            # The pointer is known only once the whole tree exists (see _check_tree).
            self.duplicates[id(result)] = (result, _first_repeated(pairs))
        return result

    def parse_int(self, digits: str) -> int:
        if len(digits.lstrip("-")) > self.limits.max_integer_digits:
            raise InputError(
                "input.integer_too_long",
                f"{self.where} has an integer of {len(digits.lstrip('-'))} digits; "
                f"the limit is {self.limits.max_integer_digits}",
            )
        return int(digits)

    def parse_float(self, text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise InputError("input.number_invalid", f"{self.where} has a number out of range")
        return value

    def parse_constant(self, name: str) -> Any:
        raise InputError("input.number_invalid", f"{self.where} has {name}, which JSON has not")


_THREAD: Final = threading.local()


def _parser(limits: Limits, where: str) -> _Parser:
    """This thread's parser, set for one parse (a new one should a parse already be using it)."""
    parser: _Parser | None = getattr(_THREAD, "parser", None)
    if parser is None or parser.busy:
        parser = _Parser(limits, where)
        _THREAD.parser = parser
    else:
        parser.limits, parser.where = limits, where
    parser.busy = True
    return parser


def _first_repeated(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no member name repeats")  # pragma: no cover - only called on one


def _pointer(tokens: list[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _check_tree(
    value: Any,
    limits: Limits,
    where: str,
    duplicates: dict[int, tuple[dict[str, Any], str]] | None = None,
) -> None:
    """What the hooks cannot see: array lengths, string lengths, lone surrogates, where a
    duplicate member sits. Iterative, in document order, so the first problem is reported."""
    duplicates = duplicates or {}
    max_chars = limits.max_string_bytes // 4
    stack: list[tuple[Any, list[str]]] = [(value, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            found = duplicates.get(id(node))
            if found is not None:
                pointer = _pointer([*path, found[1]])
                raise InputError(
                    "input.duplicate_key", f"{where} repeats the member {pointer}", pointer=pointer
                )
            if len(node) > limits.max_items:  # Checked as JSON is parsed; TOML only here.
                raise InputError(
                    "input.too_many_items",
                    f"{where} has a table of {len(node)} members at {_pointer(path) or '/'}",
                    pointer=_pointer(path),
                )
            children = [(v, [*path, k]) for k, v in node.items()]
            for key in node:
                _check_string(key, path, where, limits, max_chars)
        elif isinstance(node, list):
            if len(node) > limits.max_items:
                raise InputError(
                    "input.too_many_items",
                    f"{where} has an array of {len(node)} items at {_pointer(path) or '/'}; "
                    f"the limit is {limits.max_items}",
                    pointer=_pointer(path),
                )
            children = [(v, [*path, str(i)]) for i, v in enumerate(node)]
        else:
            if isinstance(node, str):
                _check_string(node, path, where, limits, max_chars)
            continue
        stack.extend(reversed(children))


# A JSON escape of a UTF-16 surrogate (``\ud800``…``\udfff``), which may decode to a lone one.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


def _too_small_to_matter(text: str, limits: Limits) -> bool:
    """Whether no array, string or surrogate in ``text`` can break a limit the tree walk checks.

    An array of n items takes at least 2n - 1 characters and a string of n bytes at least n /
    4 characters; a lone surrogate needs a literal one or an escape in the text. Most inputs
    (JOSE headers and payloads, disclosures) are far below the limits, and skip the walk.
    """
    return (
        len(text) < 2 * limits.max_items - 1
        and len(text) <= limits.max_string_bytes // 4
        and (text.isascii() or _SURROGATE.search(text) is None)  # A surrogate is not ASCII.
        and ("\\u" not in text or _SURROGATE_ESCAPE.search(text) is None)
    )


def _check_string(text: str, path: list[str], where: str, limits: Limits, max_chars: int) -> None:
    if (
        len(text) > max_chars
        and len(text.encode("utf-8", "surrogatepass")) > limits.max_string_bytes
    ):
        raise InputError(
            "input.too_large",
            f"{where} has a string longer than {limits.max_string_bytes} bytes",
            pointer=_pointer(path),
        )
    if _SURROGATE.search(text) is not None:
        raise InputError(
            "input.not_utf8",
            f"{where} has a string with a lone surrogate (RFC 7493 §2.1)",
            pointer=_pointer(path),
        )


def _text(data: bytes | str, limits: Limits, where: str) -> str:
    """``data`` as text within the size limit (bytes strictly UTF-8), without a leading BOM."""
    if isinstance(data, bytes):
        if len(data) > limits.max_bytes:
            raise InputError("input.too_large", f"{where} is larger than {limits.max_bytes} bytes")
        return decode_utf8(data, where=where)
    text = data.removeprefix(_BOM)
    _check_size(text, limits, where)
    return text


def loads(data: bytes | str, *, limits: Limits = DEFAULT_LIMITS, where: str = "input") -> Any:
    """Parse one JSON text strictly within ``limits``; raise the ``input.*`` code that applies."""
    text = _text(data, limits, where)
    _check_depth(text, limits, where)
    parser = _parser(limits, where)
    try:
        value = parser.decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "input.json_invalid",
            f"{where} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            line=exc.lineno,
            column=exc.colno,
        ) from None
    except RecursionError:  # pragma: no cover - _check_depth keeps the parser shallow
        raise InputError("input.too_deep", f"{where} nests too deep") from None
    finally:
        duplicates, parser.duplicates = parser.duplicates, {}
        parser.busy = False
    if duplicates or not _too_small_to_matter(text, limits):
        _check_tree(value, limits, where, duplicates)
    if duplicates:  # Only in a member the repeat itself dropped; refuse all the same.
        raise InputError("input.duplicate_key", f"{where} repeats a member name")
    return value


def loads_toml(
    data: bytes | str, *, limits: Limits = DEFAULT_LIMITS, where: str = "input"
) -> dict[str, Any]:
    """Parse one TOML document (configuration, the trust registry) within ``limits``.

    :mod:`tomllib` recurses once per nested array or inline table and converts integers of
    any length, so depth and digits are checked on the text first (outside strings and
    comments), as for JSON; TOML itself refuses a repeated key. Syntax errors are
    ``input.toml_invalid``.
    """
    text = _text(data, limits, where)
    structure = _TOML_SKIP.sub("", text)
    _check_depth(structure, limits, where, skip=_NOTHING)
    digits = re.search(rf"[0-9_]{{{limits.max_integer_digits + 1},}}", structure)
    if digits is not None:
        raise InputError(
            "input.integer_too_long",
            f"{where} has a number of more than {limits.max_integer_digits} digits",
        )
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("input.toml_invalid", f"{where} is not TOML: {exc}") from None
    _check_tree(value, limits, where)
    return value


def _open(path: Path | str, where: str) -> BinaryIO:
    if str(path) == "-":
        return sys.stdin.buffer
    target = Path(path)
    if target.is_dir():
        raise InputError("input.unreadable", f"{where} is a folder, not a file")
    try:
        return target.open("rb")
    except FileNotFoundError:
        raise InputError("input.unreadable", f"{where} does not exist") from None
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {where}: {exc.strerror}") from None


def read_bytes(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, where: str | None = None
) -> bytes:
    """The bytes of ``path`` (``-``: standard input), never reading more than the limit allows."""
    where = where or ("standard input" if str(path) == "-" else str(path))
    handle = _open(path, where)
    try:
        data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {where}: {exc.strerror}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    if len(data) > limits.max_bytes:
        raise InputError("input.too_large", f"{where} is larger than {limits.max_bytes} bytes")
    return data


def read_text(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, where: str | None = None
) -> str:
    """The UTF-8 text of ``path`` (``-``: standard input), within ``limits.max_bytes``."""
    where = where or ("standard input" if str(path) == "-" else str(path))
    return decode_utf8(read_bytes(path, limits=limits, where=where), where=where)


def read_json(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, where: str | None = None
) -> Any:
    """The JSON document in ``path`` (``-``: standard input), read and parsed strictly."""
    where = where or ("standard input" if str(path) == "-" else str(path))
    return loads(read_bytes(path, limits=limits, where=where), limits=limits, where=where)


def read_toml(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, where: str | None = None
) -> dict[str, Any]:
    """The TOML document in ``path``, read and parsed within ``limits`` (see :func:`loads_toml`)."""
    where = where or str(path)
    return loads_toml(read_bytes(path, limits=limits, where=where), limits=limits, where=where)


def iter_lines(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, where: str | None = None
) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of ``path`` (JSON Lines), numbered from 1, each at most
    ``limits.max_bytes + 1`` bytes: a longer line is cut there, so that :func:`loads`
    refuses it as too large, and the rest of it is skipped without being kept."""
    where = where or ("standard input" if str(path) == "-" else str(path))
    handle = _open(path, where)
    try:
        number = 0
        while True:
            line = handle.readline(limits.max_bytes + 1)
            if not line:
                return
            number += 1
            if len(line) > limits.max_bytes and not line.endswith(b"\n"):
                while (rest := handle.readline(limits.max_bytes + 1)) and not rest.endswith(b"\n"):
                    pass
            if line.strip():
                yield number, line.rstrip(b"\r\n")
    except OSError as exc:
        raise InputError("input.unreadable", f"cannot read {where}: {exc.strerror}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
