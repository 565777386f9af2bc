"""The RDF term and quad model shared by the JSON-LD bridge, N-Quads and RDFC-1.0.

Terms are small frozen, slotted dataclasses so they hash and compare by value
and cost little to build. A quad's graph is ``None`` for the default graph.
Literal ``datatype`` is always set (``xsd:string`` for simple literals,
``rdf:langString`` for language-tagged ones), as RDF 1.1 defines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "IRI",
    "RDF_LANGSTRING",
    "XSD_STRING",
    "BlankNode",
    "Literal",
    "Quad",
    "Term",
]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True, slots=True)
class IRI:
    value: str


@dataclass(frozen=True, slots=True)
class BlankNode:
    """A blank node; ``label`` is without the ``_:`` prefix."""

    label: str


@dataclass(frozen=True, slots=True)
class Literal:
    lexical: str
    datatype: str = XSD_STRING
    language: str | None = None


Term = IRI | BlankNode | Literal


class Quad(NamedTuple):
    subject: IRI | BlankNode
    predicate: IRI
    object: Term
    graph: IRI | BlankNode | None = None
