"""N-Quads: a parser for RDF 1.1 N-Quads and a writer of canonical N-Quads.

The parser follows the grammar of RDF 1.1 N-Quads (W3C Recommendation, 2014,
section 5 "N-Quads Grammar"): IRIs with ``\\u``/``\\U`` escapes, blank node
labels, literals with ECHAR and UCHAR escapes, language tags, datatypes,
comments and blank lines. Bad input raises
:class:`~vc_core.errors.CanonicalizationError` ``canon.nquads_invalid`` naming
the line.

The writer produces the *canonical N-Quads* form that RDF Dataset
Canonicalization (RDFC-1.0, section 5 "Serialization") hashes, as RDF 1.2
N-Quads section 4 ("Canonical N-Quads") defines it:

* one space between terms, ``" ."`` and a single ``"\\n"`` at the end;
* IRIs written as they are, never with UCHAR escapes;
* in literals, ``\\b \\t \\n \\f \\r \\" \\\\`` as short escapes, the other
  characters U+0000-U+001F and U+007F as ``\\u00XX`` with uppercase hex, and
  every other character as itself;
* no ``^^xsd:string`` datatype; language tags as given.

A term that has no canonical form (an IRI holding a space, ``>`` or another
character IRIREF forbids, a malformed blank node label or language tag, a lone
surrogate) raises ``canon.term_invalid``: writing it anyway would let two
different datasets serialize, and therefore hash and sign, the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vc_core.errors import CanonicalizationError
from vc_core.rdf.model import IRI, RDF_LANGSTRING, XSD_STRING, BlankNode, Literal, Quad, Term

__all__ = [
    "bnode_text",
    "iri_text",
    "literal_text",
    "parse_nquads",
    "serialize_nquads",
    "serialize_quad",
    "serialize_term",
]

# --- Grammar pieces (RDF 1.1 N-Quads, section 5.3 "Grammar"). ---------------------------------

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f\u2040"
_LABEL = f"[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_LANGTAG = "[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"
_WS = "[ \t]*"


def _iriref(name: str) -> str:
    return rf"""<(?P<{name}>(?:[^\x00-\x20<>"{{}}|^`\\]|{_UCHAR})*)>"""


def _bnode(name: str) -> str:
    return f"_:(?P<{name}>{_LABEL})"


_LITERAL = (
    rf'''"(?P<lit>(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*)"'''
    rf"(?:{_WS}@(?P<lang>{_LANGTAG})|{_WS}\^\^{_WS}{_iriref('dt')})?"
)
_STATEMENT = re.compile(
    _WS
    + f"(?:{_iriref('s_iri')}|{_bnode('s_bn')})"
    + _WS
    + _iriref("p_iri")
    + _WS
    + f"(?:{_iriref('o_iri')}|{_bnode('o_bn')}|{_LITERAL})"
    + _WS
    + f"(?:(?:{_iriref('g_iri')}|{_bnode('g_bn')}){_WS})?"
    + rf"\.{_WS}(?:#.*)?"
)
_EMPTY = re.compile(f"{_WS}(?:#.*)?")
_EOL = re.compile(r"\r\n?|\n")
_ESCAPE_SEQ = re.compile(rf"{_UCHAR}|{_ECHAR}")
_ECHAR_VALUES = {
    "t": "\t",
    "b": "\b",
    "n": "\n",
    "r": "\r",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}

# Pieces used only to say where a bad statement goes wrong.
_TERM_IRI = re.compile(_iriref("v"))
_TERM_BNODE = re.compile(_bnode("v"))
_TERM_LITERAL = re.compile(_LITERAL)
_SKIP_WS = re.compile(_WS)

# --- What the canonical form accepts. ----------------------------------------------------------

# An absolute IRI (a scheme, then ":") with no character that IRIREF forbids and no surrogate.
_IRI_VALUE = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\\ud800-\udfff]*')
_LABEL_VALUE = re.compile(_LABEL)
_LANG_VALUE = re.compile(_LANGTAG)
_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\x7f\ud800-\udfff]')
_SURROGATE = re.compile("[\ud800-\udfff]")
_needs_escape = _NEEDS_ESCAPE.search
_LITERAL_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)

# Serialized IRIs by value. Predicates, types and contexts repeat across credentials, so the
# check runs once per distinct IRI; the cache is dropped whole when it grows past its bound.
_IRI_CACHE: dict[str, str] = {}
_IRI_CACHE_MAX = 8192


# --- Writing. ----------------------------------------------------------------------------------


def iri_text(value: str) -> str:
    """``<value>``, after checking that the IRI has a canonical N-Quads form."""
    try:
        text = _IRI_CACHE.get(value)
    except TypeError:  # An unhashable value is no IRI either.
        text = None
    if text is None:
        if not isinstance(value, str) or _IRI_VALUE.fullmatch(value) is None:
            raise CanonicalizationError(
                "canon.term_invalid", f"not an absolute IRI N-Quads can carry: {value!r}"
            )
        if len(_IRI_CACHE) >= _IRI_CACHE_MAX:
            _IRI_CACHE.clear()
        text = _IRI_CACHE[value] = f"<{value}>"
    return text


def bnode_text(label: str) -> str:
    """``_:label``, after checking the label against BLANK_NODE_LABEL."""
    if not isinstance(label, str) or _LABEL_VALUE.fullmatch(label) is None:
        raise CanonicalizationError("canon.term_invalid", f"not a blank node label: {label!r}")
    return "_:" + label


def literal_text(lexical: str, datatype: str, language: str | None) -> str:
    """A literal in canonical N-Quads form (RDF 1.2 N-Quads, section 4)."""
    try:
        needs_escape = _needs_escape(lexical)
    except TypeError:
        raise CanonicalizationError(
            "canon.term_invalid", "a literal's lexical form is not text"
        ) from None
    if needs_escape is not None:
        if _SURROGATE.search(lexical) is not None:
            raise CanonicalizationError(
                "canon.term_invalid", "a literal holds a lone surrogate, not a Unicode character"
            )
        lexical = lexical.translate(_LITERAL_ESCAPES)
    if language is not None:
        if not isinstance(language, str) or _LANG_VALUE.fullmatch(language) is None:
            raise CanonicalizationError("canon.term_invalid", f"not a language tag: {language!r}")
        return f'"{lexical}"@{language}'
    if datatype == XSD_STRING:
        return f'"{lexical}"'
    return f'"{lexical}"^^{iri_text(datatype)}'


def serialize_term(term: Term) -> str:
    """One term in canonical N-Quads form."""
    kind = type(term)
    if kind is IRI:
        return iri_text(term.value)  # type: ignore[union-attr]
    if kind is BlankNode:
        return bnode_text(term.label)  # type: ignore[union-attr]
    if kind is Literal:
        lit: Literal = term  # type: ignore[assignment]
        return literal_text(lit.lexical, lit.datatype, lit.language)
    raise CanonicalizationError("canon.term_invalid", f"not an RDF term: {kind.__name__}")


def _node_text(term: object, what: str) -> str:
    """An IRI or blank node in canonical form; anything else cannot stand here."""
    if type(term) is IRI:
        return iri_text(term.value)
    if type(term) is BlankNode:
        return bnode_text(term.label)
    raise CanonicalizationError("canon.term_invalid", f"a {what} must be an IRI or blank node")


def serialize_quad(quad: Quad) -> str:
    """One quad as a canonical N-Quads line, ending with ``"\\n"``."""
    subject, predicate, obj, graph = quad
    if type(predicate) is not IRI:
        raise CanonicalizationError("canon.term_invalid", "a predicate must be an IRI")
    head = f"{_node_text(subject, 'subject')} {iri_text(predicate.value)} {serialize_term(obj)}"
    if graph is None:
        return head + " .\n"
    return f"{head} {_node_text(graph, 'graph name')} .\n"


def serialize_nquads(quads: Iterable[Quad]) -> str:
    """Quads as canonical N-Quads lines, in the order given (no sorting, no de-duplication)."""
    return "".join(serialize_quad(q) for q in quads)


# --- Parsing. ----------------------------------------------------------------------------------


def _invalid(lineno: int, why: str) -> CanonicalizationError:
    return CanonicalizationError("canon.nquads_invalid", f"line {lineno}: {why}", line=lineno)


def _unescape(raw: str, lineno: int) -> str:
    """Replace ECHAR and UCHAR escapes by the characters they stand for."""

    def one(match: re.Match[str]) -> str:
        seq = match.group(0)
        if seq[1] in "uU":
            code = int(seq[2:], 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _invalid(lineno, f"{seq} is not a Unicode character")
            return chr(code)
        return _ECHAR_VALUES[seq[1]]

    return _ESCAPE_SEQ.sub(one, raw) if "\\" in raw else raw


def _iri(raw: str, lineno: int) -> IRI:
    value = _unescape(raw, lineno)
    if _IRI_VALUE.fullmatch(value) is None:
        raise _invalid(lineno, f"<{raw}> is not an absolute IRI")
    return IRI(value)


def _subject_or_graph(iri: str | None, label: str | None, lineno: int) -> IRI | BlankNode:
    if iri is not None:
        return _iri(iri, lineno)
    assert label is not None
    return BlankNode(label)


def _diagnose(line: str) -> str:
    """Say which part of a statement the grammar rejects, for the error message."""
    pos = _SKIP_WS.match(line).end()  # type: ignore[union-attr]
    steps = (
        ("a subject (IRI or blank node)", (_TERM_IRI, _TERM_BNODE)),
        ("a predicate (IRI)", (_TERM_IRI,)),
        ("an object (IRI, blank node or literal)", (_TERM_IRI, _TERM_BNODE, _TERM_LITERAL)),
    )
    for what, patterns in steps:
        match = next((m for p in patterns if (m := p.match(line, pos))), None)
        if match is None:
            return f"expected {what} at column {pos + 1}"
        pos = _SKIP_WS.match(line, match.end()).end()  # type: ignore[union-attr]
    match = _TERM_IRI.match(line, pos) or _TERM_BNODE.match(line, pos)
    if match is not None:
        pos = _SKIP_WS.match(line, match.end()).end()  # type: ignore[union-attr]
    if not line.startswith(".", pos):
        return f"expected a graph name or '.' at column {pos + 1}"
    return f"unexpected text after '.' at column {pos + 2}"


def parse_nquads(text: str) -> list[Quad]:
    """Parse an N-Quads document into quads, in document order (duplicates kept)."""
    quads: list[Quad] = []
    for index, line in enumerate(_EOL.split(text)):
        lineno = index + 1
        match = _STATEMENT.fullmatch(line)
        if match is None:
            if _EMPTY.fullmatch(line) is not None:
                continue
            raise _invalid(lineno, _diagnose(line))
        groups = match.groupdict()
        subject = _subject_or_graph(groups["s_iri"], groups["s_bn"], lineno)
        predicate = _iri(groups["p_iri"], lineno)
        obj: Term
        if groups["o_iri"] is not None:
            obj = _iri(groups["o_iri"], lineno)
        elif groups["o_bn"] is not None:
            obj = BlankNode(groups["o_bn"])
        else:
            lexical = _unescape(groups["lit"], lineno)
            if _SURROGATE.search(lexical) is not None:
                raise _invalid(lineno, "a literal holds a lone surrogate")
            if groups["lang"] is not None:
                obj = Literal(lexical, RDF_LANGSTRING, groups["lang"])
            elif groups["dt"] is not None:
                obj = Literal(lexical, _iri(groups["dt"], lineno).value)
            else:
                obj = Literal(lexical)
        graph: IRI | BlankNode | None = None
        if groups["g_iri"] is not None or groups["g_bn"] is not None:
            graph = _subject_or_graph(groups["g_iri"], groups["g_bn"], lineno)
        quads.append(Quad(subject, predicate, obj, graph))
    return quads
