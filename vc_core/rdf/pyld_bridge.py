"""pyld's RDF dataset (JSON-LD 1.1 API, section 8.4) converted to the RDF term model.

``pyld.jsonld.to_rdf`` (without a ``format``) returns the dataset of JSON-LD 1.1
Processing Algorithms and API, section 8.4 ("Deserialize JSON-LD to RDF
Algorithm") as a dict: each graph name (``"@default"``, an IRI, or a ``_:bN``
blank node identifier) maps to a list of triples shaped as::

    {"subject":   {"type": "IRI" | "blank node", "value": ...},
     "predicate": {"type": "IRI" | "blank node", "value": ...},
     "object":    {"type": "IRI" | "blank node" | "literal", "value": ...,
                   "datatype": ..., "language": ...}}

Blank node values carry the ``_:`` prefix; literals always carry a datatype and
a ``language`` only when language-tagged. A blank-node predicate (generalized
RDF, which pyld emits only when asked to) or a malformed entry raises
``canon.term_invalid``: this is the one place where pyld's shapes enter the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vc_core.errors import CanonicalizationError
from vc_core.rdf.model import IRI, RDF_LANGSTRING, XSD_STRING, BlankNode, Literal, Quad, Term

__all__ = ["quads_from_pyld"]


def _bad(what: str) -> CanonicalizationError:
    return CanonicalizationError("canon.term_invalid", f"pyld dataset: {what}")


class _Terms:
    """Builds terms from pyld's term dicts, sharing one object per IRI or blank node."""

    def __init__(self) -> None:
        self.iris: dict[str, IRI] = {}
        self.bnodes: dict[str, BlankNode] = {}

    def iri(self, value: Any) -> IRI:
        term = self.iris.get(value) if isinstance(value, str) else None
        if term is None:
            if not isinstance(value, str):
                raise _bad(f"an IRI value is not a string: {value!r}")
            term = self.iris[value] = IRI(value)
        return term

    def bnode(self, value: Any) -> BlankNode:
        term = self.bnodes.get(value) if isinstance(value, str) else None
        if term is None:
            if not isinstance(value, str) or not value.startswith("_:"):
                raise _bad(f"a blank node identifier does not start with '_:': {value!r}")
            term = self.bnodes[value] = BlankNode(value[2:])
        return term

    def node(self, entry: Any, what: str) -> IRI | BlankNode:
        kind = entry.get("type") if isinstance(entry, dict) else None
        if kind == "IRI":
            return self.iri(entry.get("value"))
        if kind == "blank node":
            return self.bnode(entry.get("value"))
        raise _bad(f"a {what} is not an IRI or blank node: {entry!r}")

    def object(self, entry: Any) -> Term:
        if isinstance(entry, dict) and entry.get("type") == "literal":
            value = entry.get("value")
            language = entry.get("language")
            datatype = entry.get("datatype") or XSD_STRING
            if not isinstance(value, str) or not isinstance(datatype, str):
                raise _bad(f"a literal is malformed: {entry!r}")
            if language is None:
                return Literal(value, datatype)
            if not isinstance(language, str):
                raise _bad(f"a language tag is not a string: {language!r}")
            return Literal(value, RDF_LANGSTRING, language)
        return self.node(entry, "object")


def quads_from_pyld(dataset: Mapping[str, Any]) -> list[Quad]:
    """Convert the dataset ``pyld.jsonld.to_rdf`` returns into quads, graph by graph."""
    if not isinstance(dataset, Mapping):
        raise _bad("not a mapping of graph names to triples")
    terms = _Terms()
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        graph: IRI | BlankNode | None
        if graph_name == "@default":
            graph = None
        elif isinstance(graph_name, str) and graph_name.startswith("_:"):
            graph = terms.bnode(graph_name)
        else:
            graph = terms.iri(graph_name)
        if not isinstance(triples, list):
            raise _bad(f"graph {graph_name!r} does not hold a list of triples")
        for triple in triples:
            try:
                subject, predicate, obj = triple["subject"], triple["predicate"], triple["object"]
            except (TypeError, KeyError) as exc:
                raise _bad(f"a triple is malformed: {triple!r}") from exc
            if not isinstance(predicate, dict) or predicate.get("type") != "IRI":
                raise _bad(f"a predicate is not an IRI (generalized RDF?): {predicate!r}")
            quads.append(
                Quad(
                    terms.node(subject, "subject"),
                    terms.iri(predicate.get("value")),
                    terms.object(obj),
                    graph,
                )
            )
    return quads
