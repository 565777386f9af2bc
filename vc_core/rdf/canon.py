"""RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 21 May 2024).

Implements section 4.4 "Canonicalization Algorithm", 4.5 "Issue Identifier
Algorithm", 4.6 "Hash First Degree Quads", 4.7 "Hash Related Blank Node",
4.8 "Hash N-Degree Quads" and section 5 "Serialization" (canonical N-Quads,
see :mod:`vc_core.rdf.nquads`). Comments carry the spec's step numbers.

This is the hash input of every ``-rdfc-`` Data Integrity proof, so the common
case is kept tight: every quad is serialized once, up front, into a line
template with holes for its blank nodes; a dataset whose blank nodes all have
distinct first-degree hashes (the usual credential) never reaches Hash
N-Degree Quads. Datasets that would make Hash N-Degree Quads run away
("poison" graphs, see the spec's "Dataset Poisoning" security consideration)
are refused with ``canon.poison_graph`` once they exceed a work budget (see
:func:`canonicalize`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import permutations
from typing import Literal as TypingLiteral

from vc_core.errors import CanonicalizationError
from vc_core.rdf.model import IRI, BlankNode, Literal, Quad, Term
from vc_core.rdf.nquads import iri_text, literal_text

__all__ = [
    "DEFAULT_MAX_TOTAL_WORK",
    "DEFAULT_MAX_WORK",
    "CanonicalDataset",
    "canonicalize",
    "relabel",
]

#: Work allowed per blank node in Hash N-Degree Quads (see :func:`canonicalize`). The W3C
#: suite's "computable" poison graphs (test044 to test046) need about 470 units per blank node.
DEFAULT_MAX_WORK = 1000
#: Work allowed for a whole dataset, however many blank nodes it has. A unit costs about 3 µs,
#: so this is about a second. A credential whose blank nodes have distinct first-degree
#: hashes spends nothing; a hundred rings of 200 blank nodes (700 KB of N-Quads, 40,000 units
#: a ring) would otherwise take a minute.
DEFAULT_MAX_TOTAL_WORK = 300_000

# Hash N-Degree Quads recurses once per blank node along a gossip path (two Python frames per
# level); deeper than this the dataset counts as poison rather than exhausting Python's stack.
_MAX_DEPTH = 256  # Keep in step with the docstring of canonicalize.

_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}

# A quad that mentions blank nodes, serialized once: its canonical N-Quads line is
# ``parts[0] + id(labels[0]) + parts[1] + ... + parts[-1]`` where ``id(label)`` is the
# ``_:``-prefixed identifier the current step uses for that blank node. ``positions`` says
# where each label sits ("s", "o" or "g") and ``predicate`` is ``<predicate IRI>``.
_Template = tuple[tuple[str, ...], tuple[str, ...], str, str]

# The blank node to quads map entry of one blank node, in two parts. The usual quad of a
# credential has a blank subject, no other blank node and the default graph; it is kept as
# the rest of its line after the subject (a dict used as an ordered set, which also drops
# repeats). Every other quad that mentions the blank node is a template.
_Mentions = tuple[dict[str, None], list[_Template]]


@dataclass(frozen=True)
class CanonicalDataset:
    """The normalized dataset of RDFC-1.0 section 4.4.3 step 7, in serialized form."""

    #: Canonical N-Quads lines in code point order, each ending with ``"\\n"``.
    nquads: list[str]
    #: The canonical issuer's issued identifiers map: input label -> ``c14nN`` (no ``_:``).
    issued: dict[str, str]

    def text(self) -> str:
        """The serialized canonical form (RDFC-1.0 section 5)."""
        return "".join(self.nquads)


def _fill(parts: tuple[str, ...], labels: tuple[str, ...], names: Mapping[str, str]) -> str:
    """Fill a line template's blank-node holes with ``names[label]``."""
    if len(labels) == 1:
        return parts[0] + names[labels[0]] + parts[1]
    out = [parts[0]]
    for label, part in zip(labels, parts[1:], strict=True):
        out.append(names[label])
        out.append(part)
    return "".join(out)


def _term_text(term: Term) -> str:
    """A non-blank term in canonical N-Quads form."""
    kind = type(term)
    if kind is IRI:
        return iri_text(term.value)  # type: ignore[union-attr]
    if kind is Literal:
        lit: Literal = term  # type: ignore[assignment]
        return literal_text(lit.lexical, lit.datatype, lit.language)
    raise CanonicalizationError("canon.term_invalid", f"not an RDF term: {kind.__name__}")


class _Canonicalizer:
    """The canonicalization state of RDFC-1.0 section 4.2, plus the work budget."""

    def __init__(self, hash_algorithm: str, max_work: int, max_total_work: int) -> None:
        hasher = _HASHES.get(hash_algorithm)
        if hasher is None:
            raise ValueError(f"hash_algorithm must be 'sha256' or 'sha384', not {hash_algorithm!r}")
        self.hasher = hasher
        self.max_work = max_work
        self.max_total_work = max_total_work
        self.work_left = 0
        # The blank node to quads map, in order of first mention.
        self.mentions: dict[str, _Mentions] = {}
        # Every template once, for the final serialization.
        self.templates: list[_Template] = []
        # Hash First Degree Quads results, kept for Hash Related Blank Node (4.7 step 4).
        self.first_degree: dict[str, str] = {}
        # The canonical issuer's issued identifiers map; values carry the "_:" prefix.
        self.canonical: dict[str, str] = {}

    def digest(self, text: str) -> str:
        return self.hasher(text.encode()).hexdigest()

    def spend(self, units: int) -> None:
        """Charge work against the budget; past it the dataset counts as poison."""
        self.work_left -= units
        if self.work_left < 0:
            raise CanonicalizationError(
                "canon.poison_graph",
                f"Hash N-Degree Quads needed more than {self.max_work} units of work per "
                f"blank node, or {self.max_total_work} in all",
                blank_nodes=len(self.mentions),
            )

    # 4.6 Hash First Degree Quads.
    def hash_first_degree(self, reference: str) -> str:
        # 2) Get the quads that mention the reference blank node.
        rests, templates = self.mentions[reference]
        # 1) Initialize nquads; 3) serialize each quad in canonical N-Quads form, writing the
        #    reference blank node as _:a and any other blank node as _:z (3.1.1).
        nquads = ["_:a" + rest for rest in rests]
        for parts, labels, _positions, _predicate in templates:
            if len(labels) == 1:
                nquads.append(parts[0] + "_:a" + parts[1])
            else:
                out = [parts[0]]
                for label, part in zip(labels, parts[1:], strict=True):
                    out.append("_:a" if label == reference else "_:z")
                    out.append(part)
                nquads.append("".join(out))
        # 4) Sort nquads in Unicode code point order.
        nquads.sort()
        # 5) Return the hash of the sorted, concatenated nquads.
        return self.digest("".join(nquads))

    # 4.7 Hash Related Blank Node.
    def hash_related(
        self, related: str, predicate: str, issuer: Mapping[str, str], position: str
    ) -> str:
        # 1) Initialize input to position.
        # 2) If position is not g, append "<", the predicate IRI and ">".
        text = position if position == "g" else position + predicate
        # 3) Append the canonical identifier of related if it has one, else the identifier
        #    issuer issued for it, each prefixed with "_:".
        identifier = self.canonical.get(related)
        if identifier is None:
            issued = issuer.get(related)
            # 4) Otherwise append the first-degree hash of related.
            identifier = self.first_degree[related] if issued is None else "_:" + issued
        # 5) Return the hash of input.
        return self.digest(text + identifier)

    # 4.8 Hash N-Degree Quads. An issuer is its issued identifiers map: identifiers are issued
    # in insertion order with prefix "b", so the identifier counter is the map's length (4.5).
    def hash_n_degree(
        self, identifier: str, issuer: dict[str, str], depth: int = 0
    ) -> tuple[str, dict[str, str]]:
        if depth > _MAX_DEPTH:
            raise CanonicalizationError(
                "canon.poison_graph",
                f"Hash N-Degree Quads recursed deeper than {_MAX_DEPTH} blank nodes",
                blank_nodes=len(self.mentions),
            )
        # 2) Get the quads that mention identifier; only templates can mention another blank
        #    node (a call costs one unit per template).
        templates = self.mentions[identifier][1]
        self.spend(1 + len(templates))
        # 1) Create the hash to related blank nodes map, H_n.
        related_map: dict[str, list[str]] = {}
        # 3) For each quad, for each component that is a blank node other than identifier, in
        #    the order subject, object, graph name:
        for _parts, labels, positions, predicate in templates:
            for label, position in zip(labels, positions, strict=True):
                if label != identifier:
                    # 3.1.1) Hash the related blank node; 3.1.2) add it to H_n under that hash.
                    related_hash = self.hash_related(label, predicate, issuer, position)
                    related_map.setdefault(related_hash, []).append(label)
        # 4) Create an empty data to hash.
        data_to_hash = []
        # 5) For each related hash and blank node list in H_n, in code point order of hash:
        for related_hash in sorted(related_map):
            # 5.1) Append the related hash to data to hash.
            data_to_hash.append(related_hash)
            # 5.2) Create chosen path; 5.3) create an unset chosen issuer.
            chosen_path = ""
            chosen_issuer = issuer
            # 5.4) For each permutation p of blank node list (5.4.1 to 5.4.5):
            for permutation in permutations(related_map[related_hash]):
                self.spend(1)
                result = self._gossip_path(permutation, issuer, chosen_path, depth)
                # 5.4.6) Keep path if it is the first or less than chosen path.
                if result is not None and (not chosen_path or result[0] < chosen_path):
                    chosen_path, chosen_issuer = result
            # 5.5) Append chosen path to data to hash.
            data_to_hash.append(chosen_path)
            # 5.6) Replace issuer with chosen issuer.
            issuer = chosen_issuer
        # 6) Return the hash of data to hash and issuer.
        return self.digest("".join(data_to_hash)), issuer

    def _gossip_path(
        self, permutation: tuple[str, ...], issuer: dict[str, str], chosen_path: str, depth: int
    ) -> tuple[str, dict[str, str]] | None:
        """Steps 5.4.1 to 5.4.5 of 4.8: the path of one permutation and its issuer.

        None means the permutation was skipped (5.4.4.3, 5.4.5.5). The spec skips once path is
        greater than chosen path *and* at least as long; skipping as soon as it is greater
        chooses the same path, since no extension of such a path can fall below chosen path.
        """
        canonical = self.canonical
        # 5.4.1) Copy issuer; 5.4.2) create path; 5.4.3) create the recursion list.
        issuer_copy = dict(issuer)
        path = ""
        recursion_list: list[str] = []
        # 5.4.4) For each related in p:
        for related in permutation:
            canonical_id = canonical.get(related)
            if canonical_id is not None:
                # 5.4.4.1) Append its canonical identifier to path.
                path += canonical_id
            else:
                # 5.4.4.2.1) If issuer copy has not identified related, add it to the
                # recursion list; 5.4.4.2.2) issue (or look up) its identifier in issuer copy
                # and append it, prefixed with "_:", to path.
                issued = issuer_copy.get(related)
                if issued is None:
                    recursion_list.append(related)
                    issued = issuer_copy[related] = f"b{len(issuer_copy)}"
                path += "_:" + issued
            # 5.4.4.3) Skip this permutation once path has passed chosen path.
            if chosen_path and path > chosen_path:
                return None
        # 5.4.5) For each related in the recursion list:
        for related in recursion_list:
            # 5.4.5.1) Recurse with issuer copy as the path identifier issuer.
            result_hash, result_issuer = self.hash_n_degree(related, issuer_copy, depth + 1)
            # 5.4.5.2) Append the identifier issuer copy issued for related (in 5.4.4.2.2, so
            # issuing again returns it); 5.4.5.3) append "<", the result's hash, and ">".
            path += f"_:{issuer_copy[related]}<{result_hash}>"
            # 5.4.5.4) Set issuer copy to the issuer in result.
            issuer_copy = result_issuer
            # 5.4.5.5) Skip this permutation once path has passed chosen path.
            if chosen_path and path > chosen_path:
                return None
        return path, issuer_copy

    # 4.4.3 Canonicalization Algorithm.
    def run(self, quads: Iterable[Quad]) -> CanonicalDataset:
        # 1) The canonicalization state is this object. 2) Build the blank node to quads map.
        lines = self._collect(quads)
        # 3) to 5) Issue canonical identifiers.
        self._issue_canonical_identifiers()
        # 6) The canonical issuer is now part of the normalized dataset.
        # 7) Serialize: every quad with its blank nodes relabelled canonically, in code point
        #    order (section 5). Repeated quads were dropped in step 2 and relabelling is
        #    one-to-one, so every line is distinct.
        canonical = self.canonical
        for label, (rests, _templates) in self.mentions.items():
            name = canonical[label]
            lines += [name + rest for rest in rests]
        for parts, labels, _positions, _predicate in self.templates:
            lines.append(_fill(parts, labels, canonical))
        lines.sort()
        return CanonicalDataset(
            nquads=lines,
            issued={label: name[2:] for label, name in canonical.items()},
        )

    def _collect(self, quads: Iterable[Quad]) -> list[str]:
        """Step 2 of 4.4.3, serializing every quad once on the way.

        Returns the final lines of the quads without blank nodes; the others enter the blank
        node to quads map of every blank node they mention (in order of first mention). A
        dataset is a set, so repeated quads collapse here, by the line, the rest of the line,
        or a key that identifies the quad exactly (see :func:`_template`).
        """
        seen: set[object] = set()
        lines: list[str] = []
        mentions = self.mentions
        for quad in quads:
            subject, predicate, obj, graph = quad
            if type(predicate) is not IRI:
                raise CanonicalizationError("canon.term_invalid", "a predicate must be an IRI")
            p_text = iri_text(predicate.value)
            kind = type(subject)
            if graph is None and type(obj) is not BlankNode and (kind is IRI or kind is BlankNode):
                # The common shapes: default graph, object not a blank node.
                rest = f" {p_text} {_term_text(obj)} .\n"
                if kind is BlankNode:
                    entry = mentions.get(subject.label)  # type: ignore[union-attr]
                    if entry is None:
                        entry = mentions[subject.label] = ({}, [])  # type: ignore[union-attr]
                    entry[0][rest] = None
                    continue
                key: object = iri_text(subject.value) + rest  # type: ignore[union-attr]
                template = None
            else:
                template, key = _template(quad, p_text)
            if key in seen:
                continue
            seen.add(key)
            if template is None:
                lines.append(key)  # type: ignore[arg-type]
                continue
            self.templates.append(template)
            for label in dict.fromkeys(template[1]):
                entry = mentions.get(label)
                if entry is None:
                    entry = mentions[label] = ({}, [])
                entry[1].append(template)
        return lines

    def _issue_canonical_identifiers(self) -> None:
        """Steps 3 to 5 of 4.4.3."""
        # 3) Compute the first-degree hash of every blank node (3.1) and build the hash to
        #    blank nodes map (3.2).
        first_degree = self.first_degree
        hash_to_bnodes: dict[str, list[str]] = {}
        for label in self.mentions:
            first_hash = first_degree[label] = self.hash_first_degree(label)
            hash_to_bnodes.setdefault(first_hash, []).append(label)
        # 4) In code point order of hash, issue canonical identifiers to the blank nodes whose
        #    hash is unique (4.2), and drop those entries from the map (4.3).
        canonical = self.canonical
        shared: list[list[str]] = []
        for first_hash in sorted(hash_to_bnodes):
            group = hash_to_bnodes[first_hash]
            if len(group) > 1:
                shared.append(group)
            else:
                canonical[group[0]] = f"_:c14n{len(canonical)}"
        # 5) For each remaining hash, in code point order, with its identifier list:
        self.work_left = min(self.max_work * len(self.mentions), self.max_total_work)
        for group in shared:
            # 5.1) Create the hash path list.
            hash_path_list: list[tuple[str, dict[str, str]]] = []
            # 5.2) For each blank node n in the identifier list:
            for label in group:
                # 5.2.1) Skip n if it has a canonical identifier already.
                if label in canonical:
                    continue
                # 5.2.2) Create a temporary issuer with prefix "b"; 5.2.3) issue n an
                # identifier; 5.2.4) run Hash N-Degree Quads and keep the result.
                try:
                    hash_path_list.append(self.hash_n_degree(label, {label: "b0"}))
                except RecursionError:
                    # Only a caller already deep in its own stack gets here before _MAX_DEPTH.
                    raise CanonicalizationError(
                        "canon.poison_graph", "Hash N-Degree Quads recursed too deep"
                    ) from None
            # 5.3) For each result in code point order of its hash, issue canonical identifiers
            #      to the blank nodes its issuer identified, in the order it issued them (5.3.1).
            hash_path_list.sort(key=lambda result: result[0])
            for _hash, issuer in hash_path_list:
                for existing in issuer:
                    if existing not in canonical:
                        canonical[existing] = f"_:c14n{len(canonical)}"


def _node_text(term: object, what: str) -> str | None:
    """The text of an IRI, or None for a blank node; anything else is refused."""
    if type(term) is BlankNode:
        return None
    if type(term) is IRI:
        return iri_text(term.value)
    raise CanonicalizationError("canon.term_invalid", f"a {what} must be an IRI or blank node")


def _template(quad: Quad, p_text: str) -> tuple[_Template | None, object]:
    """Serialize a quad into a line template, with a key that identifies the quad.

    A quad without blank nodes has no template: its key is its final line. Otherwise the key
    holds each term's text, ``_:label`` for blank nodes: IRIs, literals and blank nodes start
    differently and each kind's text is one-to-one, so equal keys mean equal quads.
    """
    subject, _predicate, obj, graph = quad
    parts: list[str] = []
    labels: list[str] = []
    positions = ""
    s_text = _node_text(subject, "subject")
    if s_text is None:
        labels.append(subject.label)  # type: ignore[union-attr]
        positions += "s"
        parts.append("")
        s_text = "_:" + subject.label  # type: ignore[union-attr]
        pending = f" {p_text} "
    else:
        pending = f"{s_text} {p_text} "
    if type(obj) is BlankNode:
        labels.append(obj.label)
        positions += "o"
        parts.append(pending)
        o_text = "_:" + obj.label
        pending = ""
    else:
        o_text = _term_text(obj)
        pending += o_text
    g_text = "" if graph is None else _node_text(graph, "graph name")
    if g_text is None:
        labels.append(graph.label)  # type: ignore[union-attr]
        positions += "g"
        parts.append(pending + " ")
        g_text = "_:" + graph.label  # type: ignore[union-attr]
        pending = ""
    elif g_text:
        pending += " " + g_text
    parts.append(pending + " .\n")
    if not labels:
        return None, parts[0]
    return (tuple(parts), tuple(labels), positions, p_text), (s_text, p_text, o_text, g_text)


def canonicalize(
    quads: Iterable[Quad],
    *,
    hash_algorithm: TypingLiteral["sha256", "sha384"] = "sha256",
    max_work: int = DEFAULT_MAX_WORK,
    max_total_work: int = DEFAULT_MAX_TOTAL_WORK,
) -> CanonicalDataset:
    """Canonicalize an RDF dataset with RDFC-1.0 (section 4.4).

    Repeated quads count once. ``hash_algorithm`` is the hash algorithm RDFC-1.0 runs with:
    SHA-256 by default, SHA-384 when a cryptosuite asks for it.

    ``max_work`` bounds Hash N-Degree Quads (the spec's "Dataset Poisoning" consideration):
    a call of that algorithm costs one unit plus one per quad it relates, each permutation it
    examines one unit, and the dataset may spend ``max_work`` units per blank node but no
    more than ``max_total_work`` in all (so the cost stays bounded however many blank nodes
    the input holds); recursion
    deeper than 256 blank nodes is refused as well. A dataset whose blank nodes all have
    distinct first-degree hashes spends nothing. Past the budget,
    :class:`~vc_core.errors.CanonicalizationError` ``canon.poison_graph`` is raised.

    Raises ``canon.term_invalid`` for a term without a canonical N-Quads form.
    """
    return _Canonicalizer(hash_algorithm, max_work, max_total_work).run(quads)


def relabel(quads: Iterable[Quad], mapping: Mapping[str, str]) -> list[Quad]:
    """Rename blank nodes by label (``mapping``: old label -> new label, no ``_:``).

    Every blank node must have an entry; one without raises ``canon.label_unmapped``.
    """

    def rename(label: str) -> BlankNode:
        new = mapping.get(label)
        if new is None:
            raise CanonicalizationError(
                "canon.label_unmapped", f"no new label for blank node _:{label}"
            )
        return BlankNode(new)

    return [
        Quad(
            rename(s.label) if type(s) is BlankNode else s,
            p,
            rename(o.label) if type(o) is BlankNode else o,
            rename(g.label) if type(g) is BlankNode else g,
        )
        for s, p, o, g in quads
    ]
