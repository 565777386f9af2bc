"""The W3C RDF Dataset Canonicalization test suite (RDFC-1.0), every manifest entry.

Source: w3c/rdf-canon ``tests/`` (see ../shared/vectors/MANIFEST.md), read at test time.
Each entry of ``manifest.jsonld`` is one test:

* ``rdfc:RDFC10EvalTest``: the canonical N-Quads must equal the expected ``.nq`` file
  byte for byte;
* ``rdfc:RDFC10MapTest``: the issued identifiers map must equal the expected JSON;
* ``rdfc:RDFC10NegativeEvalTest``: canonicalization must refuse with ``canon.poison_graph``.

Entries with ``hashAlgorithm: SHA384`` run RDFC-1.0 with SHA-384. Every entry runs with
the default work budget, so the "computable" poison graphs (test044 to test046) must fit
in it and the 10-node clique (test074) must not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.conftest import vectors_dir
from vc_core.errors import CanonicalizationError
from vc_core.rdf.canon import canonicalize
from vc_core.rdf.model import IRI, BlankNode, Quad
from vc_core.rdf.model import Literal as RdfLiteral
from vc_core.rdf.nquads import parse_nquads, serialize_nquads

pytestmark = pytest.mark.vectors

SUITE = "w3c-rdf-canon/tests"
EVAL = "rdfc:RDFC10EvalTest"
MAP = "rdfc:RDFC10MapTest"
NEGATIVE = "rdfc:RDFC10NegativeEvalTest"


def _suite_root() -> Path | str:
    """The suite folder, or why it is absent (parameters are built at collection time)."""
    try:
        return vectors_dir() / SUITE
    except pytest.skip.Exception as absent:
        return str(absent.msg)


def _absent(reason: str) -> list[Any]:
    return [pytest.param(None, id="vectors-absent", marks=pytest.mark.skip(reason=reason))]


def _entries() -> list[Any]:
    """One pytest parameter per manifest entry."""
    root = _suite_root()
    if isinstance(root, str):
        return _absent(root)
    manifest = json.loads((root / "manifest.jsonld").read_text(encoding="utf-8"))
    return [pytest.param(entry, id=entry["id"].lstrip("#")) for entry in manifest["entries"]]


def _inputs() -> list[Any]:
    """One pytest parameter per input N-Quads file of the suite."""
    root = _suite_root()
    if isinstance(root, str):
        return _absent(root)
    return [pytest.param(p.name, id=p.stem) for p in sorted((root / "rdfc10").glob("*-in.nq"))]


def _suite_file(relative: str) -> Path:
    return vectors_dir() / SUITE / relative


def _read(relative: str) -> str:
    # newline="" keeps the files' line endings exactly as published.
    with _suite_file(relative).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def _hash_algorithm(entry: dict[str, Any]) -> Literal["sha256", "sha384"]:
    algorithm = entry.get("hashAlgorithm", "SHA256")
    assert algorithm in ("SHA256", "SHA384"), algorithm
    return "sha384" if algorithm == "SHA384" else "sha256"


def _labels(quads: list[Quad]) -> set[str]:
    return {t.label for q in quads for t in (q.subject, q.object, q.graph) if type(t) is BlankNode}


@pytest.mark.parametrize("entry", _entries())
def test_manifest_entry(entry: dict[str, Any]) -> None:
    quads = parse_nquads(_read(entry["action"]))
    kind = entry["type"]
    if kind == NEGATIVE:
        with pytest.raises(CanonicalizationError) as raised:
            canonicalize(quads, hash_algorithm=_hash_algorithm(entry))
        assert raised.value.code == "canon.poison_graph"
        return
    result = canonicalize(quads, hash_algorithm=_hash_algorithm(entry))
    # Every blank node of the input receives exactly one canonical label.
    assert set(result.issued) == _labels(quads)
    assert set(result.issued.values()) == {f"c14n{i}" for i in range(len(result.issued))}
    if kind == EVAL:
        assert result.text() == _read(entry["result"])
        assert result.nquads == sorted(result.nquads)
        assert all(line.endswith("\n") and line.count("\n") == 1 for line in result.nquads)
    elif kind == MAP:
        assert result.issued == json.loads(_read(entry["result"]))
    else:
        pytest.fail(f"unknown test type {kind}")


def test_manifest_is_complete() -> None:
    """A partial copy of the suite would pass the parametrized test with fewer entries."""
    manifest = json.loads(_read("manifest.jsonld"))
    kinds = [entry["type"] for entry in manifest["entries"]]
    assert len(kinds) == 86
    assert (kinds.count(EVAL), kinds.count(MAP), kinds.count(NEGATIVE)) == (64, 21, 1)
    assert sum(entry.get("hashAlgorithm") == "SHA384" for entry in manifest["entries"]) == 2


@pytest.mark.parametrize("name", _inputs())
def test_inputs_survive_a_canonical_round_trip(name: str) -> None:
    quads = parse_nquads(_read(f"rdfc10/{name}"))
    assert parse_nquads(serialize_nquads(quads)) == quads


# --- The work budget, beyond the suite. --------------------------------------------------------


def test_a_smaller_budget_refuses_the_computable_poison_graph() -> None:
    quads = parse_nquads(_read("rdfc10/test044-in.nq"))
    assert canonicalize(quads).text() == _read("rdfc10/test044-rdfc10.nq")
    with pytest.raises(CanonicalizationError) as raised:
        canonicalize(quads, max_work=100)
    assert raised.value.code == "canon.poison_graph"


def test_a_larger_budget_is_still_a_budget_for_the_clique() -> None:
    quads = parse_nquads(_read("rdfc10/test074-in.nq"))
    with pytest.raises(CanonicalizationError) as raised:
        canonicalize(quads, max_work=5000)
    assert raised.value.code == "canon.poison_graph"


def _identical_list(length: int) -> list[Quad]:
    """An RDF list of ``length`` equal items: its middle nodes share a first-degree hash."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    quads = [Quad(IRI("urn:ex:s"), IRI("urn:ex:p"), BlankNode("l0"))]
    for i in range(length):
        rest = BlankNode(f"l{i + 1}") if i < length - 1 else IRI(rdf + "nil")
        quads.append(Quad(BlankNode(f"l{i}"), IRI(rdf + "first"), RdfLiteral("1")))
        quads.append(Quad(BlankNode(f"l{i}"), IRI(rdf + "rest"), rest))
    return quads


def test_a_list_of_equal_items_is_canonicalized() -> None:
    result = canonicalize(_identical_list(30))
    assert len(result.issued) == 30
    assert result.text().count("\n") == 61


def test_recursion_deeper_than_the_limit_is_poison_not_a_crash() -> None:
    with pytest.raises(CanonicalizationError) as raised:
        canonicalize(_identical_list(1000), max_work=10**9)
    assert raised.value.code == "canon.poison_graph"


def test_a_caller_deep_in_its_own_stack_gets_poison_not_recursion_error() -> None:
    depth = 0
    frame = sys._getframe()
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 150)
    try:
        with pytest.raises(CanonicalizationError) as raised:
            canonicalize(_identical_list(200), max_work=10**9)
    finally:
        sys.setrecursionlimit(old_limit)
    assert raised.value.code == "canon.poison_graph"
    assert "too deep" in raised.value.message
