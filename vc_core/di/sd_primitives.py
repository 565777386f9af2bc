"""Selective disclosure functions (Data Integrity ECDSA Cryptosuites v1.0, §3.5).

The functions that ``ecdsa-sd-2023`` (and other selective disclosure suites)
build on, named after the spec's sections in snake_case:

- skolemization: :func:`skolemize_expanded_json_ld`,
  :func:`skolemize_compact_json_ld`, :func:`deskolemize_nquads`,
  :func:`to_deskolemized_nquads`;
- selection with JSON pointers: :func:`json_pointer_to_paths`,
  :func:`create_initial_selection`, :func:`select_json_ld`;
- canonicalization with replaced blank node labels:
  :func:`relabel_blank_nodes`, :func:`create_hmac_id_label_map_function`,
  :func:`create_label_map_function`, :func:`label_replacement_canonicalize_nquads`,
  :func:`label_replacement_canonicalize_json_ld`;
- grouping: :func:`select_canonical_nquads`, :func:`canonicalize_and_group`,
  :func:`hash_mandatory_nquads`.

The spec states these over N-Quad *strings* and rewrites blank node labels with
regular expressions. Here the work is done on parsed quads (the string forms
are kept at the API), so a literal that happens to contain ``_:c14n0`` or
``<urn:bnid:x>`` is never rewritten, and JSON-LD becomes RDF through the
shape-cached :func:`vc_core.jsonld.shapes.to_rdf` wherever the input is compact.

**Skolemization without a round trip.** skolemizeCompactJsonLd expands a
compact document, gives every node object an ``@id`` and compacts it again.
The documents a cryptosuite sees (a credential with one top-level ``@context``
that aliases ``@id``/``@type`` to ``id``/``type``) come back from that round
trip as the same JSON with an ``id`` on every node object, so :func:`skolemize`
adds those ids directly and checks the outcome against the document's own RDF:
no blank node may be left, every skolem IRI must name a node, and the numbers
of statements and of blank nodes must be the document's. Anything else
(keywords used directly, JSON literals, maps keyed by language or index, ...)
takes the full algorithm with pyld. One difference shows: on the fast path,
pointers select from the document as written, so ``/type/0`` selects from a
one-element ``type`` array that compaction would have turned into a string.
Skolem IRIs use a URN scheme that is random per process, so deskolemization
never touches an IRI of the document itself.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyld import jsonld as _pyld

from vc_core.codecs import b64url_encode
from vc_core.errors import JsonLdError, SelectionError, ShikakuError
from vc_core.jsonld.processor import (
    Loader,
    _options,
    expand,
    pyld_errors,
    to_rdf_slow,
)
from vc_core.jsonld.shapes import to_rdf
from vc_core.rdf.canon import canonicalize, relabel
from vc_core.rdf.model import IRI, BlankNode, Literal, Quad
from vc_core.rdf.nquads import parse_nquads, serialize_quad

__all__ = [
    "URN_SCHEME",
    "CanonicalGroups",
    "Group",
    "LabelMapFactory",
    "Selection",
    "Skolemized",
    "canonicalize_and_group",
    "create_hmac_id_label_map_function",
    "create_initial_selection",
    "create_label_map_function",
    "deskolemize_nquads",
    "deskolemize_quads",
    "hash_mandatory_nquads",
    "json_pointer_to_paths",
    "label_replacement_canonicalize_json_ld",
    "label_replacement_canonicalize_nquads",
    "label_replacement_canonicalize_quads",
    "relabel_blank_nodes",
    "select_canonical_nquads",
    "select_json_ld",
    "skolemize",
    "skolemize_compact_json_ld",
    "skolemize_expanded_json_ld",
    "to_deskolemized_nquads",
]

#: The URN scheme the spec's examples use (``urn:bnid:...``).
URN_SCHEME = "bnid"

# The scheme and random string of this process's own skolem IRIs. They never leave the
# process: canonicalization replaces every label they become.
_RANDOM = secrets.token_hex(16)
_SCHEME = f"{URN_SCHEME}-{_RANDOM}"

#: A label map factory: given the canonical identifier map (input blank node label ->
#: canonical label, both without ``_:``), return input label -> replacement label.
LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")


# --- Skolemization. ----------------------------------------------------------------------------


def skolemize_expanded_json_ld(
    expanded: Sequence[Any],
    *,
    urn_scheme: str = URN_SCHEME,
    random_string: str,
    count: Iterator[int] | None = None,
) -> list[Any]:
    """skolemizeExpandedJsonLd: give every node object of expanded JSON-LD an IRI.

    An unlabeled node gets ``urn:<scheme>:_<random>_<n>``; a node labeled ``_:x``
    gets ``urn:<scheme>:x``. ``count`` is the shared counter (a fresh one when omitted).
    """
    counter = count if count is not None else itertools.count()
    skolemized: list[Any] = []
    # 2) For each element in expanded:
    for element in expanded:
        # 2.1) Copy a non-object or a value object as it is.
        if not isinstance(element, dict) or "@value" in element:
            skolemized.append(_json_copy(element))
            continue
        # A list or set object is no node and cannot carry an @id (JSON-LD 1.1 forbids it;
        # the spec's steps would add one): skolemize its items only.
        if "@list" in element or "@set" in element:
            skolemized.append(
                {
                    key: skolemize_expanded_json_ld(
                        value if isinstance(value, list) else [value],
                        urn_scheme=urn_scheme,
                        random_string=random_string,
                        count=counter,
                    )
                    if key in ("@list", "@set")
                    else _json_copy(value)
                    for key, value in element.items()
                }
            )
            continue
        # 2.2) Otherwise skolemize every property value recursively.
        node: dict[str, Any] = {}
        for prop, value in element.items():
            if isinstance(value, list):
                node[prop] = skolemize_expanded_json_ld(
                    value, urn_scheme=urn_scheme, random_string=random_string, count=counter
                )
            else:
                node[prop] = skolemize_expanded_json_ld(
                    [value], urn_scheme=urn_scheme, random_string=random_string, count=counter
                )[0]
        identifier = node.get("@id")
        if identifier is None:
            # 2.3) A node without @id gets a fresh skolem IRI.
            node["@id"] = f"urn:{urn_scheme}:_{random_string}_{next(counter)}"
        elif isinstance(identifier, str) and identifier.startswith("_:"):
            # 2.4) A blank node identifier is kept inside the skolem IRI; it may be shared.
            node["@id"] = f"urn:{urn_scheme}:{identifier[2:]}"
        # 2.5) Append the skolemized node.
        skolemized.append(node)
    return skolemized


def skolemize_compact_json_ld(
    document: Mapping[str, Any],
    *,
    loader: Loader,
    urn_scheme: str = URN_SCHEME,
    random_string: str | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """skolemizeCompactJsonLd by the full algorithm: (expanded, compact) skolemized."""
    if not isinstance(document, Mapping) or "@context" not in document:
        raise JsonLdError("jsonld.invalid", "a compact JSON-LD document with an @context")
    # 1) Expand the document (safe mode: nothing may be dropped).
    expanded = expand(dict(document), loader=loader)
    # 2) Skolemize the expanded document.
    skolemized_expanded = skolemize_expanded_json_ld(
        expanded,
        urn_scheme=urn_scheme,
        random_string=random_string if random_string is not None else secrets.token_hex(16),
    )
    # 3) Compact it again with the document's own context.
    with pyld_errors():
        compact = _pyld.JsonLdProcessor().compact(
            skolemized_expanded,
            {"@context": document["@context"]},
            {**_options(loader), "skipExpansion": True},
        )
    # 4) Return both forms.
    return skolemized_expanded, compact


def deskolemize_quads(quads: Iterable[Quad], *, urn_scheme: str = URN_SCHEME) -> list[Quad]:
    """deskolemizeNQuads on parsed quads: ``<urn:<scheme>:x>`` becomes ``_:x``."""
    prefix = f"urn:{urn_scheme}:"
    cut = len(prefix)

    def term(value: Any) -> Any:
        if type(value) is IRI and value.value.startswith(prefix):
            return BlankNode(value.value[cut:])
        return value

    return [Quad(term(s), p, term(o), term(g)) for s, p, o, g in quads]


def deskolemize_nquads(nquads: Sequence[str], *, urn_scheme: str = URN_SCHEME) -> list[str]:
    """deskolemizeNQuads: the same N-Quad strings with skolem IRIs as blank nodes."""
    return [
        serialize_quad(quad)
        for line in nquads
        for quad in deskolemize_quads(parse_nquads(line), urn_scheme=urn_scheme)
    ]


def to_deskolemized_nquads(
    skolemized_document: Any, *, loader: Loader, urn_scheme: str = URN_SCHEME
) -> list[str]:
    """toDeskolemizedNQuads: JSON-LD to RDF, then skolem IRIs back to blank nodes."""
    quads = _to_rdf(skolemized_document, loader)
    return [serialize_quad(q) for q in deskolemize_quads(quads, urn_scheme=urn_scheme)]


@dataclass(frozen=True)
class Skolemized:
    """A compact document with an IRI on every node object, and its deskolemized dataset."""

    #: The skolemized compact document: the input with an ``id`` on every node object.
    compact: dict[str, Any]
    #: The deskolemized RDF dataset of the whole document (blank node labels are internal).
    quads: tuple[Quad, ...]
    #: True when the full algorithm (expand, skolemize, compact) had to run.
    full_algorithm: bool


def skolemize(document: Mapping[str, Any], *, loader: Loader, fast: bool = True) -> Skolemized:
    """Skolemize a compact document and convert it to its deskolemized dataset.

    Steps 1 and 2 of canonicalizeAndGroup. The fast path adds ``id``
    members directly and checks the outcome against the document's own RDF;
    otherwise (or with ``fast=False``) the full algorithm of skolemizeCompactJsonLd runs.
    """
    if not isinstance(document, Mapping):
        raise JsonLdError("jsonld.invalid", "a compact JSON-LD document must be an object")
    fast_result = _skolemize_fast(document) if fast else None
    if fast_result is not None:
        compact, skolem_iris = fast_result
        try:
            skolem_quads = to_rdf(compact, loader=loader)
        except ShikakuError:
            skolem_quads = None
        if skolem_quads is not None and _exact(
            skolem_quads, skolem_iris, to_rdf(dict(document), loader=loader)
        ):
            quads = deskolemize_quads(skolem_quads, urn_scheme=_SCHEME)
            return Skolemized(compact, tuple(quads), full_algorithm=False)
    expanded, compact = skolemize_compact_json_ld(
        document, loader=loader, urn_scheme=_SCHEME, random_string=_RANDOM
    )
    quads = deskolemize_quads(to_rdf_slow(expanded, loader=loader), urn_scheme=_SCHEME)
    return Skolemized(compact, tuple(quads), full_algorithm=True)


class _NotSimple(Exception):
    """The document uses a JSON-LD keyword directly: only the full algorithm will do."""


def _skolemize_fast(document: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]] | None:
    """The document with an ``id`` on every object, and the skolem IRIs it gave them."""
    counter = itertools.count()
    prefix = f"urn:{_SCHEME}:"
    fresh = f"{prefix}_{_RANDOM}_"
    skolem_iris: set[str] = set()

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        node: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@context":
                node[key] = item
            elif key.startswith("@"):
                raise _NotSimple(key)
            else:
                node[key] = walk(item)
        identifier = node.get("id")
        if identifier is None:
            node["id"] = f"{fresh}{next(counter)}"
            skolem_iris.add(node["id"])
        elif isinstance(identifier, str) and identifier.startswith("_:"):
            node["id"] = prefix + identifier[2:]
            skolem_iris.add(node["id"])
        return node

    try:
        result = walk(document)
    except _NotSimple:
        return None
    assert isinstance(result, dict)
    return result, skolem_iris


def _exact(skolem_quads: list[Quad], skolem_iris: set[str], original: list[Quad]) -> bool:
    """True when the added ``id`` members named nodes and changed nothing else.

    An ``id`` added where JSON-LD reads no node identifier (inside a JSON
    literal, in a language, index or type map, on a top-level graph object)
    fails one of these: no blank node is left (every node object got an IRI);
    no literal mentions a skolem IRI; each skolem IRI names a subject or an
    object; there is one skolem IRI per blank node of the document and as many
    statements as the document has.
    """
    named: set[str] = set()
    for subject, _predicate, obj, graph in skolem_quads:
        if type(subject) is BlankNode or type(obj) is BlankNode or type(graph) is BlankNode:
            return False
        named.add(subject.value)  # type: ignore[union-attr]
        if type(obj) is IRI:
            named.add(obj.value)
        elif type(obj) is Literal and _SCHEME in obj.lexical:
            return False
    return (
        skolem_iris <= named
        and len(skolem_quads) == len(original)
        and len(skolem_iris) == len(_blank_labels(original))
    )


def _blank_labels(quads: Iterable[Quad]) -> set[str]:
    return {t.label for q in quads for t in (q[0], q[2], q[3]) if type(t) is BlankNode}


def _to_rdf(document: Any, loader: Loader) -> list[Quad]:
    if document is None:
        return []
    if isinstance(document, dict):
        return to_rdf(document, loader=loader)
    return to_rdf_slow(document, loader=loader)


# --- Selection with JSON pointers. -------------------------------------------------------------


def json_pointer_to_paths(pointer: str) -> list[str | int]:
    """jsonPointerToPaths: an RFC 6901 pointer as a list of keys and array indexes.

    A malformed pointer raises ``selection.pointer_invalid``.
    """
    if not isinstance(pointer, str):
        raise SelectionError("selection.pointer_invalid", "a JSON pointer must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise SelectionError(
            "selection.pointer_invalid",
            f"{pointer[:80]!r} does not start with '/'",
            pointer=pointer,
        )
    paths: list[str | int] = []
    # 2) Split on "/" and skip the first, empty element.
    for path in pointer.split("/")[1:]:
        if "~" not in path:
            # 3.1) A path without "~" is an array index when it is one, else a key.
            paths.append(int(path) if _ARRAY_INDEX.fullmatch(path) else path)
        else:
            # 3.2) Unescape "~1" to "/" and "~0" to "~"; any other "~" is malformed.
            if _BAD_ESCAPE.search(path):
                raise SelectionError(
                    "selection.pointer_invalid",
                    f"{pointer[:80]!r} has an escape other than ~0 and ~1",
                    pointer=pointer,
                )
            paths.append(path.replace("~1", "/").replace("~0", "~"))
    return paths


def create_initial_selection(source: Mapping[str, Any]) -> dict[str, Any]:
    """createInitialSelection: a non-blank ``id`` and the ``type`` of ``source``."""
    selection: dict[str, Any] = {}
    # 2) Every non-blank identifier on the path of a pointer is selected.
    identifier = source.get("id")
    if isinstance(identifier, str) and identifier and not identifier.startswith("_:"):
        selection["id"] = identifier
    # 3) Every type on the path of a pointer is selected.
    if "type" in source and source["type"] is not None:
        selection["type"] = _json_copy(source["type"])
    return selection


_MISSING: Any = object()


class _Sparse(dict[int, Any]):
    """A selected array while selection runs: index -> value, made dense at the end."""


def select_json_ld(document: Mapping[str, Any], pointers: Sequence[str]) -> dict[str, Any] | None:
    """selectJsonLd: the part of a compact document that ``pointers`` select.

    Returns None when ``pointers`` is empty. A pointer that is malformed or
    matches nothing raises ``selection.pointer_invalid``.
    """
    if isinstance(pointers, str):
        raise SelectionError("selection.pointer_invalid", "pointers must be a list of strings")
    # 1) No pointers, no selection.
    if not pointers:
        return None
    # 3) and 4) Start with the @context, then the document's own id and type.
    selection: dict[str, Any] = {"@context": _json_copy(document.get("@context"))}
    selection.update(create_initial_selection(document))
    # 5) Walk each pointer from the root to its target.
    for pointer in pointers:
        paths = json_pointer_to_paths(pointer)
        if not paths:
            # The empty pointer selects the whole document.
            return _json_copy(dict(document))  # type: ignore[no-any-return]
        _select_paths(document, pointer, paths, selection)
    # 6) Make every selected array dense.
    dense = _densify(selection)
    assert isinstance(dense, dict)
    return dense


def _select_paths(
    document: Mapping[str, Any], pointer: str, paths: list[str | int], selection: dict[str, Any]
) -> None:
    """selectPaths: add the value at ``paths``, and the path to it, to ``selection``."""
    # 1) to 4) Start at the roots of the document and of the selection.
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    key: str | int = ""
    # 5) Walk the paths.
    for path in paths:
        # 5.1) and 5.2) Step down one level.
        selected_parent = selected_value
        # 5.3) The next document value; a missing member is an error.
        key = _document_key(value, path, pointer)
        value = value[key]
        # 5.4) and 5.5) The next selected value, created (an id and type, or an array) if new.
        selected_value = _selected_child(selected_parent, key, value)
    # 7) to 9) The target: a literal or an array as a copy, an object merged with its path
    # selection (its id and type) and copied.
    if isinstance(value, Mapping):
        base = selected_value if isinstance(selected_value, dict) else {}
        selected_value = {**base, **_json_copy(dict(value))}
    else:
        selected_value = _json_copy(value)
    # 10) and 11) Put it in place.
    selected_parent[key] = selected_value


def _document_key(parent: Any, path: str | int, pointer: str) -> str | int:
    """The key or index ``path`` names in ``parent``, or ``selection.pointer_invalid``."""
    if isinstance(parent, Mapping):
        if str(path) in parent:
            return str(path)
    elif isinstance(parent, list):
        if isinstance(path, int) and path < len(parent):
            return path
    else:
        raise SelectionError(
            "selection.pointer_invalid",
            f"{pointer[:80]!r} steps into a value that is not an object or an array",
            pointer=pointer,
        )
    raise SelectionError(
        "selection.pointer_invalid",
        f"{pointer[:80]!r} does not match the document",
        pointer=pointer,
    )


def _selected_child(selected_parent: Any, key: str | int, value: Any) -> Any:
    if isinstance(selected_parent, list):
        # An earlier pointer selected the whole array: it is a complete copy already.
        return selected_parent[key]  # type: ignore[index]
    existing = selected_parent.get(key, _MISSING)
    if existing is _MISSING:
        if isinstance(value, list):
            existing = _Sparse()
        elif isinstance(value, Mapping):
            existing = create_initial_selection(value)
        else:
            existing = None
        selected_parent[key] = existing
    return existing


def _densify(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_densify(value[index]) for index in sorted(value)]
    if isinstance(value, dict):
        return {key: _densify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_densify(item) for item in value]
    return value


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON data (faster than copy.deepcopy for dicts, lists and scalars)."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


# --- Canonicalization with replaced labels. ----------------------------------------------------


def relabel_blank_nodes(nquads: Sequence[str], label_map: Mapping[str, str]) -> list[str]:
    """relabelBlankNodes: every blank node label ``l`` becomes ``label_map[l]``.

    A label without an entry raises ``canon.label_unmapped``.
    """
    return [serialize_quad(q) for line in nquads for q in relabel(parse_nquads(line), label_map)]


def create_hmac_id_label_map_function(hmac_key: bytes) -> LabelMapFactory:
    """createHmacIdLabelMapFunction: canonical label -> ``u`` + base64url(HMAC).

    The HMAC is HMAC-SHA-256, the hash of the P-256 signature algorithm.
    """
    key = bytes(hmac_key)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        # 1.1) to 1.3) For each entry, HMAC the canonical label and encode it as "u" +
        # base64url-no-pad, keyed by the input label.
        return {
            label: "u" + b64url_encode(hmac.digest(key, c14n.encode("utf-8"), hashlib.sha256))
            for label, c14n in canonical_id_map.items()
        }

    return factory


def create_label_map_function(label_map: Mapping[str, str]) -> LabelMapFactory:
    """createLabelMapFunction: canonical label -> ``label_map[canonical label]``.

    A canonical label the map lacks raises ``canon.label_unmapped`` (via relabeling).
    """
    known = dict(label_map)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        return {label: known[c14n] for label, c14n in canonical_id_map.items() if c14n in known}

    return factory


def label_replacement_canonicalize_quads(
    quads: Iterable[Quad], label_map_factory: LabelMapFactory
) -> tuple[list[str], dict[str, str]]:
    """labelReplacementCanonicalizeNQuads on parsed quads: (N-Quads, label map)."""
    quads = list(quads)
    # 1) Canonicalize (RDFC-1.0) and take the canonical identifier map.
    dataset = canonicalize(quads)
    # 2) The factory turns it into input label -> new label.
    label_map = label_map_factory(dataset.issued)
    # 3) The canonical N-Quads with the new labels, in code point order. Relabeling the input
    # quads with the new labels gives the same lines as relabeling the canonical ones.
    lines = {serialize_quad(q) for q in relabel(quads, label_map)}
    return sorted(lines), label_map


def label_replacement_canonicalize_nquads(
    nquads: Sequence[str], label_map_factory: LabelMapFactory
) -> tuple[list[str], dict[str, str]]:
    """labelReplacementCanonicalizeNQuads: (canonical N-Quads, label map)."""
    return label_replacement_canonicalize_quads(parse_nquads("".join(nquads)), label_map_factory)


def label_replacement_canonicalize_json_ld(
    document: Any, label_map_factory: LabelMapFactory, *, loader: Loader
) -> tuple[list[str], dict[str, str]]:
    """labelReplacementCanonicalizeJsonLd: to RDF, then labelReplacementCanonicalizeNQuads."""
    return label_replacement_canonicalize_quads(_to_rdf(document, loader), label_map_factory)


# --- Grouping. --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The result of selectCanonicalNQuads."""

    selection_document: dict[str, Any] | None
    #: The selection's dataset, deskolemized (blank node labels are internal).
    deskolemized_quads: tuple[Quad, ...]
    #: The selection's statements with the label map's labels, as N-Quad lines.
    nquads: tuple[str, ...]

    @property
    def deskolemized_nquads(self) -> list[str]:
        return [serialize_quad(q) for q in self.deskolemized_quads]


def select_canonical_nquads(
    document: Mapping[str, Any],
    pointers: Sequence[str],
    label_map: Mapping[str, str],
    *,
    loader: Loader,
) -> Selection:
    """selectCanonicalNQuads on a skolemized compact document."""
    # 1) Select with the pointers.
    selection = select_json_ld(document, pointers)
    # 2) The deskolemized N-Quads of the selection.
    deskolemized = deskolemize_quads(_to_rdf(selection, loader), urn_scheme=_SCHEME)
    # 3) Relabel its blank nodes with the label map.
    nquads = tuple(serialize_quad(q) for q in relabel(deskolemized, label_map))
    # 4) Return all three.
    return Selection(selection, tuple(deskolemized), nquads)


@dataclass(frozen=True)
class Group:
    """One group of canonicalizeAndGroup: statements by index, in and out of the selection."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized_quads: tuple[Quad, ...]

    @property
    def deskolemized_nquads(self) -> list[str]:
        return [serialize_quad(q) for q in self.deskolemized_quads]


@dataclass(frozen=True)
class CanonicalGroups:
    """The result of canonicalizeAndGroup."""

    groups: dict[str, Group]
    skolemized_compact_document: dict[str, Any]
    deskolemized_quads: tuple[Quad, ...]
    #: Input blank node label (internal) -> replacement label.
    label_map: dict[str, str]
    #: The canonical N-Quads with replaced labels, in code point order.
    nquads: list[str]


def canonicalize_and_group(
    document: Mapping[str, Any],
    label_map_factory: LabelMapFactory,
    group_definitions: Mapping[str, Sequence[str]],
    *,
    loader: Loader,
    fast: bool = True,
) -> CanonicalGroups:
    """canonicalizeAndGroup: canonical N-Quads grouped by JSON pointer selections.

    ``fast=False`` skolemizes by the full algorithm (see :func:`skolemize`).
    """
    # 1) and 2) Skolemize the document; take the deskolemized N-Quads of all of it.
    skolemized = skolemize(document, loader=loader, fast=fast)
    # 3) Canonicalize with replaced labels.
    nquads, label_map = label_replacement_canonicalize_quads(skolemized.quads, label_map_factory)
    # 4) and 5) One selection per group definition.
    selections = {
        name: select_canonical_nquads(skolemized.compact, pointers, label_map, loader=loader)
        for name, pointers in group_definitions.items()
    }
    # 6) and 7) Split the canonical N-Quads of each group into matching and non-matching ones.
    groups: dict[str, Group] = {}
    for name, result in selections.items():
        selected = set(result.nquads)
        matching: dict[int, str] = {}
        non_matching: dict[int, str] = {}
        for index, nq in enumerate(nquads):
            (matching if nq in selected else non_matching)[index] = nq
        groups[name] = Group(matching, non_matching, result.deskolemized_quads)
    # 8) Return the groups, the skolemized document, the label map and the N-Quads.
    return CanonicalGroups(groups, skolemized.compact, skolemized.quads, label_map, nquads)


def hash_mandatory_nquads(mandatory: Sequence[str]) -> bytes:
    """hashMandatoryNQuads: SHA-256 of the UTF-8 of the joined N-Quads."""
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
