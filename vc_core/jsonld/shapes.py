"""JSON-LD → RDF for many documents of one shape, at the cost of a substitution.

A qualification board signs thousands of credentials that differ only in
their values: names, numbers, dates, ids. Running JSON-LD expansion for each
one (JSON-LD 1.1 API §8.2) repeats the same context processing and the same
walk every time. This module runs the full algorithm once per *shape* and
reuses its output for every document of that shape.

How it works, and why it cannot disagree with the full algorithm:

1. The *shape* of a document is its structure with every string value
   removed: object keys, array lengths, ``@context`` values, and the exact
   value of every number, boolean and null. The string values, in a fixed
   order, are the document's *leaves*.
2. A *template* is the document with each leaf replaced by a unique sentinel
   IRI (``urn:x-shikaku-sentinel:<random>:<n>``), except leaves that are
   *fixed* (kept as they are). The template goes through the full algorithm
   (:func:`vc_core.jsonld.processor.to_rdf_slow` machinery, safe mode
   recording problems) and we look where each sentinel went:

   - exactly once as the lexical form of a literal: a *literal* leaf, which
     any string can replace;
   - only as whole IRIs (subjects, objects, graph names, never as the object
     of ``rdf:type``): an *IRI* leaf, which any absolute IRI that is not a
     term or compact IRI of the contexts can replace, since JSON-LD passes
     such IRIs through unchanged;
   - as a type (object of ``rdf:type``): a *type* leaf. Types select
     type-scoped contexts, so their values are always fixed;
   - anywhere else (inside a JSON literal, as a language, a datatype, an
     ``@index``, or dropped): an *opaque* leaf, always fixed.

3. Fixing leaves changes the template, so the analysis repeats with the new
   fixed set until nothing more needs fixing. Every analysis is cached under
   ``(shape, fixed leaves and their values)``; the steady state is a few
   dictionary look-ups and one substitution.

A document whose final analysis still shows anything safe mode refuses goes
through the full algorithm, which raises with the pointer. The property tests
in ``tests/vc_core/test_shapes.py`` compare both paths on generated
credentials.

Only documents of at most :data:`MAX_SHAPE_VALUES` JSON values are analysed: an
analysis may take several rounds of the full algorithm and is kept in the cache,
so a large document (which no board signs by the thousand) goes straight to the
full algorithm, once, and leaves nothing behind.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from vc_core.jsonld.processor import (
    Loader,
    _options,
    _SafeProcessor,
    count_values,
    pyld_errors,
    to_rdf_slow,
)
from vc_core.rdf.model import IRI, BlankNode, Literal, Quad
from vc_core.rdf.pyld_bridge import quads_from_pyld

__all__ = ["MAX_SHAPE_VALUES", "ShapeCache", "to_rdf"]

#: The largest document, in JSON values, whose shape is analysed and cached: a JP-profile
#: credential holds about 60, its proof configuration about 10.
MAX_SHAPE_VALUES: Final = 256

_RDF_TYPE: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SENTINEL: Final = f"urn:x-shikaku-sentinel:{secrets.token_hex(16)}:"
_SENTINEL_FIND: Final = re.compile(re.escape(_SENTINEL) + r"(\d+)")
# An IRI JSON-LD passes through unchanged: a scheme, then no character that
# IRI syntax forbids or N-Quads would have to escape.
_PLAIN_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*):[^\x00-\x20<>\"{}|^`\\]*$")

_LITERAL, _IRI, _TYPE = 0, 1, 2
_MAX_ROUNDS: Final = 8


def _leaf_shape(value: Any) -> Hashable:
    # bool before int: True == 1 must not share a shape.
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", repr(value))
    raise TypeError(f"not JSON: {type(value).__name__}")


def _context_shape(value: Any) -> Hashable:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ("json", json.dumps(value, sort_keys=True, separators=(",", ":")))


#: Members whose values are part of the shape, never leaves: ``@context``, and ``@direction``,
#: whose value JSON-LD checks at once ("ltr" or "rtl"), so a sentinel cannot stand in for it.
_KEPT: Final = frozenset({"@context", "@direction"})


def _kept_shape(key: str, value: Any) -> Hashable:
    return _context_shape(value) if key == "@context" else ("kept", json.dumps(value))


def _walk(node: Any, leaves: list[str]) -> Hashable:
    """The shape of ``node``; its string leaves are appended to ``leaves`` in order."""
    if isinstance(node, str):
        leaves.append(node)
        return "s"
    if isinstance(node, dict):
        return (
            "o",
            tuple(
                (key, _kept_shape(key, node[key]) if key in _KEPT else _walk(node[key], leaves))
                for key in sorted(node)
            ),
        )
    if isinstance(node, list):
        return ("a", tuple(_walk(item, leaves) for item in node))
    return _leaf_shape(node)


def _rebuild(node: Any, values: Iterator[str]) -> Any:
    """``node`` with its string leaves replaced, in :func:`_walk`'s order, by ``values``."""
    if isinstance(node, str):
        return next(values)
    if isinstance(node, dict):
        return {
            key: node[key] if key in _KEPT else _rebuild(node[key], values) for key in sorted(node)
        }
    if isinstance(node, list):
        return [_rebuild(item, values) for item in node]
    return node


@dataclass(frozen=True, slots=True)
class _Analysis:
    quads: tuple[Quad, ...]
    #: quad index → ((position 0=s 2=o 3=g, leaf, kind, literal template or None), ...)
    slots: tuple[tuple[int, tuple[tuple[int, int, int, Literal | None], ...]], ...]
    kinds: dict[int, int]  # leaf → _LITERAL / _IRI / _TYPE, for every non-fixed, non-opaque leaf
    opaque: frozenset[int]
    has_problems: bool
    terms: frozenset[str]

    def needs_fixing(self, leaves: list[str], fixed: dict[int, str]) -> tuple[set[int], set[int]]:
        """Leaves to fix: (structural — opaque or types, for every document of the shape;
        this document's IRIs that JSON-LD would not pass through unchanged)."""
        structural = {i for i in self.opaque if i not in fixed}
        iris = set()
        for leaf, kind in self.kinds.items():
            if kind == _TYPE:
                structural.add(leaf)
            elif kind == _IRI and not self._plain_iri(leaves[leaf]):
                iris.add(leaf)
        return structural, iris

    def _plain_iri(self, value: str) -> bool:
        match = _PLAIN_IRI.match(value)
        return (
            match is not None
            and match.group(1) != "_"
            and match.group(1) not in self.terms
            and value not in self.terms
        )

    def substitute(self, leaves: list[str]) -> list[Quad]:
        quads = list(self.quads)
        for index, replacements in self.slots:
            subject, predicate, obj, graph = quads[index]
            for position, leaf, _kind, literal in replacements:
                value = leaves[leaf]
                term: IRI | Literal = (
                    IRI(value)
                    if literal is None
                    else Literal(value, literal.datatype, literal.language)
                )
                if position == 0:
                    assert isinstance(term, IRI)
                    subject = term
                elif position == 2:
                    obj = term
                else:
                    assert isinstance(term, IRI)
                    graph = term
            quads[index] = Quad(subject, predicate, obj, graph)
        return quads


def _sentinel_leaf(value: str) -> int | None:
    if value.startswith(_SENTINEL):
        tail = value[len(_SENTINEL) :]
        if tail.isdigit():
            return int(tail)
    return None


def _analyse(
    quads: list[Quad], free: set[int], has_problems: bool, terms: frozenset[str]
) -> _Analysis:
    """Classify where each free leaf's sentinel went in ``quads``."""
    seen: dict[int, set[int]] = {}  # leaf → kinds it was seen as
    literal_count: dict[int, int] = {}
    opaque: set[int] = set()
    slots: dict[int, list[tuple[int, int, int, Literal | None]]] = {}

    def scan_inside(text: str) -> None:
        for match in _SENTINEL_FIND.finditer(text):
            opaque.add(int(match.group(1)))

    for index, (subject, predicate, obj, graph) in enumerate(quads):
        scan_inside(predicate.value)
        for position, term in ((0, subject), (2, obj), (3, graph)):
            if term is None or isinstance(term, BlankNode):
                continue
            if isinstance(term, IRI):
                leaf = _sentinel_leaf(term.value)
                if leaf is None:
                    scan_inside(term.value)
                    continue
                kind = _TYPE if position == 2 and predicate.value == _RDF_TYPE else _IRI
                seen.setdefault(leaf, set()).add(kind)
                slots.setdefault(index, []).append((position, leaf, kind, None))
            else:
                scan_inside(term.datatype)
                if term.language:
                    scan_inside(term.language)
                leaf = _sentinel_leaf(term.lexical)
                if leaf is None:
                    scan_inside(term.lexical)
                    continue
                seen.setdefault(leaf, set()).add(_LITERAL)
                literal_count[leaf] = literal_count.get(leaf, 0) + 1
                slots.setdefault(index, []).append((position, leaf, _LITERAL, term))

    kinds: dict[int, int] = {}
    for leaf in free:
        found = seen.get(leaf)
        if found is None or leaf in opaque or len(found) != 1:
            opaque.add(leaf)
            continue
        (kind,) = found
        if kind == _LITERAL and literal_count[leaf] != 1:
            opaque.add(leaf)
            continue
        kinds[leaf] = kind
    # Slots of opaque leaves are dropped: such leaves get fixed before use.
    usable = {index: tuple(s for s in entries if s[1] in kinds) for index, entries in slots.items()}
    return _Analysis(
        quads=tuple(quads),
        slots=tuple((i, s) for i, s in sorted(usable.items()) if s),
        kinds=kinds,
        opaque=frozenset(opaque & free),
        has_problems=has_problems,
        terms=terms,
    )


def _context_terms(context: Any, loader: Loader, out: set[str], depth: int = 0) -> None:
    """Every term any context below ``context`` defines (a superset is fine)."""
    if depth > 16:
        return
    if isinstance(context, list):
        for item in context:
            _context_terms(item, loader, out, depth + 1)
    elif isinstance(context, str):
        document = loader(context, None)["document"]
        _context_terms(
            document.get("@context") if isinstance(document, dict) else None, loader, out, depth + 1
        )
    elif isinstance(context, dict):
        for key, value in context.items():
            out.add(key)
            if isinstance(value, dict) and "@context" in value:
                _context_terms(value["@context"], loader, out, depth + 1)


def _all_contexts(node: Any, found: list[Any]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                found.append(value)
            else:
                _all_contexts(value, found)
    elif isinstance(node, list):
        for item in node:
            _all_contexts(item, found)


class _ShapeKey:
    """A shape with its hash computed once; interned, so look-ups compare by identity."""

    __slots__ = ("hash", "shape")

    def __init__(self, shape: Hashable) -> None:
        self.shape = shape
        self.hash = hash(shape)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, _ShapeKey) and self.hash == other.hash and self.shape == other.shape
        )


class ShapeCache:
    """A bounded LRU of analyses for one loader. Thread-safe.

    Besides the analyses it remembers, per shape, which leaves ended up fixed
    for structural reasons (types, opaque leaves) the last time, so the next
    document of that shape starts there: one look-up instead of several.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, _Analysis] = OrderedDict()
        self._shapes: dict[_ShapeKey, _ShapeKey] = {}
        self._hints: dict[_ShapeKey, tuple[int, ...]] = {}
        self._terms: dict[Hashable, frozenset[str]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> _Analysis | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def shape_key(self, shape: Hashable) -> _ShapeKey:
        key = _ShapeKey(shape)
        with self._lock:
            if len(self._shapes) >= self.maxsize:
                self._shapes.clear()
                self._hints.clear()
            return self._shapes.setdefault(key, key)

    def hint(self, shape: _ShapeKey) -> tuple[int, ...]:
        return self._hints.get(shape, ())

    def set_hint(self, shape: _ShapeKey, leaves: tuple[int, ...]) -> None:
        self._hints[shape] = leaves

    def put(self, key: Hashable, analysis: _Analysis) -> None:
        with self._lock:
            self.misses += 1
            self._entries[key] = analysis
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def terms(self, document: Any, loader: Loader) -> frozenset[str]:
        contexts: list[Any] = []
        _all_contexts(document, contexts)
        key = tuple(_context_shape(c) for c in contexts)
        cached = self._terms.get(key)
        if cached is None:
            found: set[str] = set()
            for context in contexts:
                _context_terms(context, loader, found)
            cached = self._terms[key] = frozenset(found)
        return cached


_CACHES: weakref.WeakKeyDictionary[Any, ShapeCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(loader: Loader) -> ShapeCache | None:
    with _CACHES_LOCK:
        try:
            cache = _CACHES.get(loader)
            if cache is None:
                cache = _CACHES[loader] = ShapeCache()
        except TypeError:
            return None
        return cache


def _build(
    document: Any, fixed: dict[int, str], count: int, loader: Loader, terms: frozenset[str]
) -> _Analysis:
    free = {i for i in range(count) if i not in fixed}
    values = (fixed.get(i, f"{_SENTINEL}{i}") for i in range(count))
    template = _rebuild(document, iter(values))
    processor = _SafeProcessor()
    with pyld_errors():
        dataset = processor.to_rdf(template, _options(loader))
    return _analyse(quads_from_pyld(dataset), free, bool(processor.problems), terms)


def to_rdf(document: Any, *, loader: Loader, cache: ShapeCache | None = None) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, in safe mode, reusing work across shapes.

    Agrees with :func:`~vc_core.jsonld.processor.to_rdf_slow` on every input
    (up to blank-node labels and duplicate quads, which canonicalization
    removes). Raises what the full algorithm raises.
    """
    if not isinstance(document, dict) or (
        count_values(document, stop_after=MAX_SHAPE_VALUES) > MAX_SHAPE_VALUES
    ):
        return to_rdf_slow(document, loader=loader)
    cache = cache if cache is not None else _cache_for(loader)
    if cache is None:
        return to_rdf_slow(document, loader=loader)
    leaves: list[str] = []
    shape = cache.shape_key(_walk(document, leaves))
    # Start from the leaves this shape needed fixed last time. Any fixed set is
    # sound (fixed leaves keep their real values); the loop below still checks
    # that nothing else needs fixing.
    structural = set(cache.hint(shape))
    fixed = {i: leaves[i] for i in structural}
    terms: frozenset[str] | None = None
    for _ in range(_MAX_ROUNDS):
        key = (shape, tuple(sorted(fixed.items())))
        analysis = cache.get(key)
        if analysis is None:
            if terms is None:
                terms = cache.terms(document, loader)
            analysis = _build(document, fixed, len(leaves), loader, terms)
            cache.put(key, analysis)
        if analysis.has_problems:
            # Types select type-scoped contexts: fix them first, then look again.
            types = {i for i, k in analysis.kinds.items() if k == _TYPE and i not in fixed}
            if types:
                structural.update(types)
                fixed.update((i, leaves[i]) for i in types)
                continue
            break  # A real problem: the full algorithm reports it with its pointer.
        need_structural, need_iris = analysis.needs_fixing(leaves, fixed)
        if not need_structural and not need_iris:
            cache.set_hint(shape, tuple(sorted(structural)))
            return analysis.substitute(leaves)
        structural.update(need_structural)
        fixed.update((i, leaves[i]) for i in need_structural | need_iris)
    return to_rdf_slow(document, loader=loader)
