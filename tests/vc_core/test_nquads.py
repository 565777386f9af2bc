"""N-Quads parsing and canonical writing, RDFC-1.0 invariances, and the pyld bridge.

Canonical N-Quads (RDF 1.2 N-Quads section 4, used by RDFC-1.0 section 5) escapes
exactly ``\\b \\t \\n \\f \\r \\" \\\\`` and, as ``\\u00XX`` with uppercase hex, the other
characters U+0000-U+001F and U+007F; everything else is written as itself. Hypothesis
generates quads with arbitrary Unicode (control characters included) and checks that
writing then parsing gives the same quads back, and that canonicalization ignores the
order of the input and its blank node labels.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from vc_core.errors import CanonicalizationError
from vc_core.rdf.canon import canonicalize, relabel
from vc_core.rdf.model import IRI, RDF_LANGSTRING, XSD_STRING, BlankNode, Literal, Quad, Term
from vc_core.rdf.nquads import (
    parse_nquads,
    serialize_nquads,
    serialize_quad,
    serialize_term,
)
from vc_core.rdf.pyld_bridge import quads_from_pyld

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# --- Strategies. -------------------------------------------------------------------------------

# Any Unicode scalar value: control characters, quotes, backslashes, astral planes.
unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
iris = st.builds(
    lambda scheme, rest: IRI(f"{scheme}:{rest}"),
    st.from_regex(r"[a-zA-Z][a-zA-Z0-9+.\-]{0,6}", fullmatch=True),
    st.text(
        alphabet=st.characters(
            exclude_categories=["Cs"],
            exclude_characters='<>"{}|^`\\',
            min_codepoint=0x21,
        ),
        max_size=25,
    ),
)
labels = st.from_regex(
    r"[A-Za-z0-9_\u00c0-\u00d6\u3041-\u30ff\U00010000-\U0001000f]"
    r"([A-Za-z0-9_.\-\u00b7\u3041-\u30ff]{0,8}[A-Za-z0-9_\-\u00b7])?",
    fullmatch=True,
)
bnodes = labels.map(BlankNode)
language_tags = st.from_regex(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,2}", fullmatch=True)
literals = st.one_of(
    unicode_text.map(Literal),
    st.builds(lambda lex, tag: Literal(lex, RDF_LANGSTRING, tag), unicode_text, language_tags),
    st.builds(lambda lex, dt: Literal(lex, dt.value), unicode_text, iris),
)
quads = st.builds(
    Quad,
    st.one_of(iris, bnodes),
    iris,
    st.one_of(iris, bnodes, literals),
    st.one_of(st.none(), iris, bnodes),
)


# --- Writing. ----------------------------------------------------------------------------------


@given(st.lists(quads, max_size=8))
def test_written_quads_parse_back_to_themselves(generated: list[Quad]) -> None:
    text = serialize_nquads(generated)
    assert parse_nquads(text) == generated


@given(quads)
def test_a_written_quad_is_one_line_without_raw_control_characters(quad: Quad) -> None:
    line = serialize_quad(quad)
    assert line.endswith(" .\n")
    assert not any(ord(c) < 0x20 for c in line[:-1])


@given(literals)
def test_a_written_literal_escapes_every_control_character(literal: Literal) -> None:
    written = serialize_term(literal)
    # The quoted lexical form escapes U+007F too; an IRIREF (the datatype) may hold it raw.
    quoted = written[: written.rindex('"') + 1]
    assert not any(ord(c) < 0x20 or c == "\x7f" for c in quoted)
    assert not any(ord(c) < 0x20 for c in written)


@pytest.mark.parametrize(
    ("lexical", "written"),
    [
        ("", '""'),
        ("simple", '"simple"'),
        ("\b\t\n\f\r", r'"\b\t\n\f\r"'),
        ('"', r'"\""'),
        ("\\", r'"\\"'),
        ("'", '"\'"'),
        ("\x00\x01\x07", r'"\u0000\u0001\u0007"'),
        ("\x0b\x0e\x1a\x1f", r'"\u000B\u000E\u001A\u001F"'),
        ("\x7f", r'"\u007F"'),
        ("\x80\x9f\xa0", '"\x80\x9f\xa0"'),
        ("看護師 ∞ \U0001f303", '"看護師 ∞ \U0001f303"'),
        ("\\u0039", r'"\\u0039"'),
    ],
)
def test_literal_escapes_follow_canonical_n_quads(lexical: str, written: str) -> None:
    assert serialize_term(Literal(lexical)) == written


@pytest.mark.parametrize(
    ("term", "written"),
    [
        (Literal("x", XSD_STRING), '"x"'),
        (Literal("1", XSD_INTEGER), f'"1"^^<{XSD_INTEGER}>'),
        (Literal("x", RDF_LANGSTRING, "en-US"), '"x"@en-US'),
        (Literal("x", RDF_LANGSTRING, "EN"), '"x"@EN'),
        (Literal("x", RDF_LANGSTRING), f'"x"^^<{RDF_LANGSTRING}>'),
        (IRI("urn:ex:\u00a0∞"), "<urn:ex:\u00a0∞>"),
        (BlankNode("c14n0"), "_:c14n0"),
    ],
)
def test_terms_are_written_canonically(term: Term, written: str) -> None:
    assert serialize_term(term) == written


def test_a_quad_line_has_single_spaces_and_the_graph_last() -> None:
    quad = Quad(BlankNode("b0"), IRI("urn:ex:p"), Literal("o"), IRI("urn:ex:g"))
    assert serialize_quad(quad) == '_:b0 <urn:ex:p> "o" <urn:ex:g> .\n'
    assert serialize_quad(quad._replace(graph=None)) == '_:b0 <urn:ex:p> "o" .\n'


@pytest.mark.parametrize(
    "term",
    [
        IRI("urn:ex:a b"),
        IRI("urn:ex:a>b"),
        IRI("urn:ex:\x00"),
        IRI("relative/path"),
        IRI(""),
        BlankNode(""),
        BlankNode("a b"),
        BlankNode("a."),
        BlankNode("-a"),
        Literal("x", RDF_LANGSTRING, "en us"),
        Literal("x", RDF_LANGSTRING, ""),
        Literal("\ud800"),
        Literal("x", "not an iri"),
    ],
)
def test_terms_without_a_canonical_form_are_refused(term: Term) -> None:
    with pytest.raises(CanonicalizationError) as raised:
        serialize_term(term)
    assert raised.value.code == "canon.term_invalid"


def test_a_quad_with_a_literal_subject_is_refused() -> None:
    bad = Quad(Literal("s"), IRI("urn:ex:p"), IRI("urn:ex:o"))  # type: ignore[arg-type]
    for run in (serialize_quad, lambda q: canonicalize([q])):
        with pytest.raises(CanonicalizationError) as raised:
            run(bad)
        assert raised.value.code == "canon.term_invalid"


# --- Parsing. ----------------------------------------------------------------------------------


def test_parsing_unescapes_iris_and_literals() -> None:
    text = (
        "# a comment line\n"
        "\n"
        r"<urn:ex:\u0041\U0001F303> <urn:ex:p> "
        r'"\t\b\n\r\f\"\'\\\u00e9\U0001F303" .'
        "\r\n"
        r'_:a.b <urn:ex:p> "x"@en-GB _:g . # trailing comment'
        "\r"
        r'<urn:ex:s><urn:ex:p>"1"^^<urn:ex:\u0064t><urn:ex:g>.'
        "\n   \t\n"
    )
    assert parse_nquads(text) == [
        Quad(IRI("urn:ex:A\U0001f303"), IRI("urn:ex:p"), Literal("\t\b\n\r\f\"'\\é\U0001f303")),
        Quad(
            BlankNode("a.b"), IRI("urn:ex:p"), Literal("x", RDF_LANGSTRING, "en-GB"), BlankNode("g")
        ),
        Quad(IRI("urn:ex:s"), IRI("urn:ex:p"), Literal("1", "urn:ex:dt"), IRI("urn:ex:g")),
    ]


def test_parsing_keeps_xsd_string_implicit() -> None:
    explicit = parse_nquads(f'<urn:ex:s> <urn:ex:p> "x"^^<{XSD_STRING}> .\n')
    assert explicit == parse_nquads('<urn:ex:s> <urn:ex:p> "x" .\n')
    assert serialize_nquads(explicit) == '<urn:ex:s> <urn:ex:p> "x" .\n'


def test_a_blank_node_label_ends_before_a_dot() -> None:
    assert parse_nquads("<urn:ex:s> <urn:ex:p> _:o.\n")[0].object == BlankNode("o")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("<urn:ex:s> <urn:ex:p> <urn:ex:o>\n", 1),
        ("\n# ok\n<urn:ex:s> <urn:ex:p> <urn:ex:o> .\n<relative> <urn:ex:p> <urn:ex:o> .\n", 4),
        ("<urn:ex:a b> <urn:ex:p> <urn:ex:o> .", 1),
        (r"<urn:ex:a\u0020b> <urn:ex:p> <urn:ex:o> .", 1),
        (r"<urn:ex:s> <urn:ex:p> <urn:ex:\u003E> .", 1),
        ('"s" <urn:ex:p> <urn:ex:o> .', 1),
        ("<urn:ex:s> _:p <urn:ex:o> .", 1),
        ('<urn:ex:s> <urn:ex:p> "unterminated .', 1),
        (r'<urn:ex:s> <urn:ex:p> "\x" .', 1),
        (r'<urn:ex:s> <urn:ex:p> "\uD800" .', 1),
        (r'<urn:ex:s> <urn:ex:p> "\U00110000" .', 1),
        ('<urn:ex:s> <urn:ex:p> "x"@ .', 1),
        ('<urn:ex:s> <urn:ex:p> "x"@en--ltr .', 1),
        ('<urn:ex:s> <urn:ex:p> "line\nbreak" .', 1),
        ("<urn:ex:s> <urn:ex:p> <urn:ex:o> . extra", 1),
        ('<urn:ex:s> <urn:ex:p> <urn:ex:o> "graph" .', 1),
        ("<urn:ex:s> <urn:ex:p> <urn:ex:o> <urn:ex:g> <urn:ex:h> .", 1),
        ("_:a. <urn:ex:p> <urn:ex:o> .", 1),
        ("\r\n\r\n<urn:ex:s> <urn:ex:p> .", 3),
    ],
)
def test_bad_n_quads_are_refused_with_the_line(text: str, line: int) -> None:
    with pytest.raises(CanonicalizationError) as raised:
        parse_nquads(text)
    assert raised.value.code == "canon.nquads_invalid"
    assert raised.value.details["line"] == line
    assert f"line {line}:" in raised.value.message


def test_an_error_names_the_term_that_failed() -> None:
    with pytest.raises(CanonicalizationError) as raised:
        parse_nquads("<urn:ex:s> <urn:ex:p> ?o .")
    assert "object" in raised.value.message
    assert "column 23" in raised.value.message


# --- Canonicalization invariances. -------------------------------------------------------------

small_labels = st.sampled_from(["x0", "x1", "x2", "x3", "x4"]).map(BlankNode)
small_iris = st.sampled_from(["urn:ex:a", "urn:ex:b", "urn:ex:p", "urn:ex:q"]).map(IRI)
small_quads = st.builds(
    Quad,
    st.one_of(small_labels, small_iris),
    small_iris,
    st.one_of(small_labels, small_iris, st.sampled_from(["v", "w\n"]).map(Literal)),
    st.one_of(st.none(), st.none(), small_labels, small_iris),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(small_quads, min_size=1, max_size=10), st.randoms(use_true_random=False), labels)
def test_canonical_form_ignores_order_labels_and_repeats(
    dataset: list[Quad], rnd: random.Random, prefix: str
) -> None:
    expected = canonicalize(dataset, max_work=10**6)
    # Rename every blank node, repeat some quads, and shuffle.
    renamed = relabel(dataset, {label: f"{prefix}{i}" for i, label in enumerate(expected.issued)})
    variant = renamed + rnd.sample(renamed, k=len(renamed) // 2)
    rnd.shuffle(variant)
    assert canonicalize(variant, max_work=10**6).text() == expected.text()
    # The canonical form is a fixed point, and relabelling with the issued map gives it.
    assert canonicalize(parse_nquads(expected.text())).text() == expected.text()
    relabelled = serialize_nquads(relabel(dataset, expected.issued)).splitlines(keepends=True)
    assert sorted(set(relabelled)) == expected.nquads


def test_the_issued_map_covers_every_blank_node_in_order() -> None:
    text = (
        "_:e0 <urn:ex:p> _:e1 .\n_:e1 <urn:ex:q> <urn:ex:o> .\n<urn:ex:s> <urn:ex:p> <urn:ex:o> ."
    )
    result = canonicalize(parse_nquads(text))
    assert set(result.issued) == {"e0", "e1"}
    assert sorted(result.issued.values()) == ["c14n0", "c14n1"]
    assert result.text() == "".join(result.nquads)
    assert result.nquads == sorted(result.nquads)


def test_sha384_changes_the_labels_not_the_shape() -> None:
    text = "_:a <urn:ex:p> _:b .\n_:b <urn:ex:p> _:c .\n_:c <urn:ex:p> _:a .\n_:a <urn:ex:q> _:d ."
    sha256 = canonicalize(parse_nquads(text))
    sha384 = canonicalize(parse_nquads(text), hash_algorithm="sha384")
    assert len(sha384.nquads) == len(sha256.nquads) == 4
    with pytest.raises(ValueError, match="hash_algorithm"):
        canonicalize(parse_nquads(text), hash_algorithm="md5")  # type: ignore[arg-type]


def test_relabel_needs_every_label() -> None:
    dataset = parse_nquads("_:a <urn:ex:p> _:b .")
    assert relabel(dataset, {"a": "x", "b": "y"}) == parse_nquads("_:x <urn:ex:p> _:y .")
    with pytest.raises(CanonicalizationError) as raised:
        relabel(dataset, {"a": "x"})
    assert raised.value.code == "canon.label_unmapped"


# --- The pyld bridge. --------------------------------------------------------------------------


def _refuse_remote(url: str, options: Any = None) -> Any:
    raise AssertionError(f"the test document needs no remote context, yet asked for {url}")


def test_pyld_output_becomes_the_same_quads_as_its_n_quads() -> None:
    document = {
        "@context": {
            "@vocab": "https://vocab.example/#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "born": {"@type": "xsd:date"},
            "tags": {"@container": "@list"},
        },
        "@id": "urn:ex:doc",
        "name": {"@value": "看護師\u0007", "@language": "ja"},
        "born": "1990-05-12",
        "count": 3,
        "tags": ["a", "b"],
        "knows": {"name": "anonymous"},
    }
    options = {"documentLoader": _refuse_remote}
    quads = quads_from_pyld(jsonld.to_rdf(document, options))
    # pyld's own N-Quads writer leaves U+0007 raw, which the N-Quads grammar allows.
    nquads = jsonld.to_rdf(document, {**options, "format": "application/n-quads"})
    assert len(quads) == 10
    assert set(quads) == set(parse_nquads(nquads))
    name = Literal("看護師\x07", RDF_LANGSTRING, "ja")
    assert Quad(IRI("urn:ex:doc"), IRI("https://vocab.example/#name"), name) in quads
    assert '"看護師\\u0007"@ja' in canonicalize(quads).text()


def test_pyld_named_graphs_become_graph_names() -> None:
    document = {
        "@context": {"@vocab": "https://vocab.example/#"},
        "@id": "urn:ex:g",
        "@graph": [{"@id": "urn:ex:s", "p": "o"}],
    }
    quads = quads_from_pyld(jsonld.to_rdf(document, {"documentLoader": _refuse_remote}))
    assert quads == [
        Quad(IRI("urn:ex:s"), IRI("https://vocab.example/#p"), Literal("o"), IRI("urn:ex:g"))
    ]


@pytest.mark.parametrize(
    "dataset",
    [
        [],
        {"@default": "not a list"},
        {"@default": [{"subject": {"type": "IRI", "value": "urn:ex:s"}}]},
        {
            "@default": [
                {
                    "subject": {"type": "IRI", "value": "urn:ex:s"},
                    "predicate": {"type": "blank node", "value": "_:p"},
                    "object": {"type": "IRI", "value": "urn:ex:o"},
                }
            ]
        },
        {
            "@default": [
                {
                    "subject": {"type": "blank node", "value": "b0"},
                    "predicate": {"type": "IRI", "value": "urn:ex:p"},
                    "object": {"type": "IRI", "value": "urn:ex:o"},
                }
            ]
        },
        {
            "@default": [
                {
                    "subject": {"type": "IRI", "value": "urn:ex:s"},
                    "predicate": {"type": "IRI", "value": "urn:ex:p"},
                    "object": {"type": "literal", "value": 3, "datatype": XSD_INTEGER},
                }
            ]
        },
        {
            "@default": [
                {
                    "subject": {"type": "literal", "value": "s"},
                    "predicate": {"type": "IRI", "value": "urn:ex:p"},
                    "object": {"type": "IRI", "value": "urn:ex:o"},
                }
            ]
        },
    ],
)
def test_malformed_pyld_datasets_are_refused(dataset: Any) -> None:
    with pytest.raises(CanonicalizationError) as raised:
        quads_from_pyld(dataset)
    assert raised.value.code == "canon.term_invalid"
