"""JSON-LD expansion and RDF conversion with safe mode, on top of pyld.

JSON-LD 1.1 expansion (JSON-LD 1.1 Processing Algorithms §5.1) silently drops
a property whose term no context defines, and RDF conversion (§8.2
Deserialize JSON-LD to RDF) silently drops relative IRIs. Data that is
dropped is not signed, yet it still shows in the credential a person reads.
*Safe mode* refuses such a document instead, naming the JSON pointer of the
first offending place (``jsonld.undefined_term`` or ``jsonld.relative_iri``),
in the spirit of jsonld.js's ``safe: true``.

pyld does the expansion itself; :class:`_SafeProcessor` observes it (and
keeps relative IRIs relative where pyld 3.3 would invent a base). pyld
works on a deep copy of the input, so the pointer map is built from that copy
at the root ``_expand`` call and objects are recognised by identity.

This module is the *straightforward path*: every call runs the full pyld
algorithm. :mod:`vc_core.jsonld.shapes` adds a cache on top that must always
agree with it.

**Cost.** pyld expands at 50 to 700 µs per JSON value (a node whose type selects a
type-scoped context costs the most, and many values of one property cost quadratic time),
so a document given to shikaku may hold at most
:data:`MAX_JSONLD_VALUES` values, counted by :func:`check_jsonld_size` before any
expansion starts; a larger one is ``jsonld.too_large``. The entry points check it
(:func:`expand` here, :func:`vc_core.jsonld.canon.canonical_dataset`, and signing,
verifying and deriving in :mod:`vc_core.di`); the forms they build on the way (expanded,
skolemized) are a constant factor larger and are not checked again. A JP-profile
credential holds about 60 values, a presentation of several credentials a few hundred.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

from cachetools import LRUCache
from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from vc_core.errors import JsonLdError, LoaderError, ShikakuError
from vc_core.rdf.model import Quad
from vc_core.rdf.pyld_bridge import quads_from_pyld

__all__ = [
    "MAX_JSONLD_VALUES",
    "Loader",
    "check_jsonld_size",
    "count_values",
    "expand",
    "pointer_escape",
    "pyld_errors",
    "to_rdf_slow",
]

Loader = Callable[[str, Mapping[str, Any] | None], dict[str, Any]]

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:[^\s]*$")

#: The most JSON values (objects, arrays and scalars, inside ``@context`` too) one document
#: may hold for JSON-LD processing. Expansion costs 50 µs a value for plain members, up to
#: 700 µs for a type that selects a type-scoped context, and pyld compares every value of a
#: property with every other (quadratic: 1,000 strings in one array take 0.6 s, 10,000 a
#: minute). At 750 values one expansion stays near half a second whatever the document
#: holds, and signing or verifying (one to three expansions) under two; a JP-profile
#: credential holds about 60, so a presentation of ten still fits.
MAX_JSONLD_VALUES = 750


def count_values(document: Any, *, stop_after: int) -> int:
    """The number of JSON values in ``document``, counting no further than ``stop_after + 1``.

    Without recursion, and stopping early, so a count costs no more than its bound.
    """
    count = 0
    stack = [document]
    while stack and count <= stop_after:
        node = stack.pop()
        count += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def check_jsonld_size(document: Any, *, max_values: int = MAX_JSONLD_VALUES) -> None:
    """Refuse a document of more than ``max_values`` JSON values (``jsonld.too_large``)."""
    if count_values(document, stop_after=max_values) > max_values:
        raise JsonLdError(
            "jsonld.too_large",
            f"the document holds more than {max_values} JSON values",
            max_values=max_values,
        )


def pointer_escape(token: str) -> str:
    """Escape one JSON pointer reference token (RFC 6901 §3)."""
    return token.replace("~", "~0").replace("/", "~1")


def _is_absolute_or_blank(value: str) -> bool:
    return value.startswith("_:") or _ABSOLUTE_IRI.match(value) is not None


def _pointer_map(
    element: Any, pointer: str = "", out: dict[int, str] | None = None
) -> dict[int, str]:
    """Map ``id(obj)`` → JSON pointer for every object and array below ``element``."""
    if out is None:
        out = {}
    if isinstance(element, dict):
        out[id(element)] = pointer
        for key, value in element.items():
            if key != "@context":
                _pointer_map(value, f"{pointer}/{pointer_escape(key)}", out)
    elif isinstance(element, list):
        out[id(element)] = pointer
        for index, value in enumerate(element):
            _pointer_map(value, f"{pointer}/{index}", out)
    return out


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that records what JSON-LD would drop, with JSON pointers."""

    def __init__(self) -> None:
        super().__init__()
        self.pointers: dict[int, str] | None = None
        self.problems: list[tuple[str, str, str]] = []  # (code, pointer, detail)

    def _expand(  # noqa: PLR0917 - pyld signature
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        if self.pointers is None:
            # The first call receives pyld's deep copy of the whole document.
            self.pointers = _pointer_map(element)
        return super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list,
            inside_index,
            type_scoped_ctx,
        )

    def _expand_iri(  # noqa: PLR0917 - pyld signature
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # pyld 3.3 resolves a relative IRI against "http://example.org/base/"
        # when the base is empty. JSON-LD (and jsonld.js) leave it relative, so
        # RDF conversion drops it and safe mode can refuse it. Credentials have
        # no document base: an absent base stays absent.
        if base == "" and not (isinstance(active_ctx, dict) and "@base" in active_ctx):
            base = None
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _expand_object(  # noqa: PLR0917 - pyld signature
        self,
        active_ctx: Any,
        active_property: Any,
        expanded_active_property: Any,
        element: Any,
        expanded_parent: Any,
        options: Any,
        inside_list: bool = False,
        type_key: Any = None,
        type_scoped_ctx: Any = None,
    ) -> Any:
        base = (self.pointers or {}).get(id(element), "")
        compact_key_of: dict[str, str] = {}
        for key in element:
            if key == "@context":
                continue
            expanded = self._expand_iri(active_ctx, key, vocab=True)
            if expanded is None or not (
                _pyld._is_keyword(expanded) or _ABSOLUTE_IRI.match(expanded)
            ):
                self.problems.append(
                    ("jsonld.undefined_term", f"{base}/{pointer_escape(key)}", key)
                )
            else:
                compact_key_of.setdefault(expanded, key)
        result = super()._expand_object(
            active_ctx,
            active_property,
            expanded_active_property,
            element,
            expanded_parent,
            options,
            inside_list,
            type_key,
            type_scoped_ctx,
        )
        self._check_iris(expanded_parent, base, compact_key_of)
        return result

    def _check_iris(self, node: Any, base: str, compact_key_of: Mapping[str, str]) -> None:
        """Record relative IRIs in ``@id``, ``@type`` and node references of one object."""
        if not isinstance(node, dict):
            return
        where = {k: f"{base}/{pointer_escape(compact_key_of.get(k, k))}" for k in node}
        identifier = node.get("@id")
        if isinstance(identifier, str) and not _is_absolute_or_blank(identifier):
            self.problems.append(("jsonld.relative_iri", where["@id"], identifier))
        types = node.get("@type", [])
        for value in types if isinstance(types, list) else [types]:
            if isinstance(value, str) and not _is_absolute_or_blank(value) and value != "@json":
                self.problems.append(("jsonld.relative_iri", where["@type"], value))
        for prop, values in node.items():
            if prop.startswith("@") or not isinstance(values, list):
                continue
            for value in values:
                ref = value.get("@id") if isinstance(value, dict) and len(value) == 1 else None
                if isinstance(ref, str) and not _is_absolute_or_blank(ref):
                    self.problems.append(("jsonld.relative_iri", where[prop], ref))


# Each loader gets its own cache of resolved (and processed) contexts. pyld's
# default cache is global and keyed by URL alone, so two loaders serving
# different documents for one URL would otherwise see each other's contexts.
_CONTEXT_CACHES: weakref.WeakKeyDictionary[Any, LRUCache[Any, Any]] = weakref.WeakKeyDictionary()


def _options(loader: Loader) -> dict[str, Any]:
    try:
        cache = _CONTEXT_CACHES.get(loader)
        if cache is None:
            cache = _CONTEXT_CACHES[loader] = LRUCache(maxsize=256)
    except TypeError:  # A plain function cannot be weakly referenced: no sharing.
        cache = LRUCache(maxsize=256)
    # The loader is passed on every call; pyld's global loader is never used.
    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(cache, loader),
        "base": "",
        "processingMode": "json-ld-1.1",
    }


def _raise_first(problems: list[tuple[str, str, str]]) -> None:
    if problems:
        code, pointer, detail = min(problems, key=lambda p: p[1])
        raise JsonLdError(code, f"{detail!r} at {pointer} would be dropped", pointer=pointer)


def _convert_pyld_error(exc: Exception) -> ShikakuError:
    """Turn a pyld error into ours, keeping a loader refusal as the loader's own error."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ShikakuError):
            return cause
        details = getattr(cause, "details", None)
        if isinstance(details, dict):
            for value in details.values():
                if isinstance(value, LoaderError):
                    return value
        cause = cause.__cause__ or cause.__context__
    return JsonLdError("jsonld.invalid", str(exc).splitlines()[0][:300])


#: What pyld raises, beyond its own JsonLdError, when a document meets one of its bugs (a
#: ``{"@vocab": null}`` context where no vocabulary mapping is active: ``KeyError``).
_PYLD_FAULTS: Final = (KeyError, IndexError, TypeError, ValueError, AttributeError)


@contextmanager
def pyld_errors() -> Iterator[None]:
    """Run pyld, turning its refusals into ours (:func:`_convert_pyld_error`), and a fault of
    pyld's own on a document it should have processed or refused into ``jsonld.invalid``:
    a document the processor cannot process is not processed, so nothing is signed or
    verified over it (fail closed), and an HTTP caller gets a 400, never a 500."""
    try:
        yield
    except _pyld.JsonLdError as exc:
        raise _convert_pyld_error(exc) from exc
    except ShikakuError:
        raise
    except _PYLD_FAULTS as exc:
        raise JsonLdError(
            "jsonld.invalid",
            f"the JSON-LD processor cannot process this document ({type(exc).__name__})",
        ) from exc


def expand(document: Any, *, loader: Loader, safe: bool = True) -> list[Any]:
    """Expand a JSON-LD document; in safe mode refuse anything expansion would drop."""
    check_jsonld_size(document)
    processor = _SafeProcessor()
    with pyld_errors():
        expanded = processor.expand(document, _options(loader))
    if safe:
        _raise_first(processor.problems)
    return list(expanded)


def to_rdf_slow(document: Any, *, loader: Loader, safe: bool = True) -> list[Quad]:
    """Deserialize JSON-LD to an RDF dataset (JSON-LD 1.1 API §8.2) by the full algorithm."""
    processor = _SafeProcessor()
    options = _options(loader)
    with pyld_errors():
        dataset = processor.to_rdf(document, options)
    if safe:
        _raise_first(processor.problems)
    return quads_from_pyld(dataset)


def safe_problems(document: Any, *, loader: Loader) -> list[tuple[str, str, str]]:
    """Everything safe mode would refuse in ``document``, as (code, pointer, detail)."""
    processor = _SafeProcessor()
    with pyld_errors():
        processor.to_rdf(document, _options(loader))
    return list(processor.problems)
