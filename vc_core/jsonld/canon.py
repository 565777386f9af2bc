"""Canonical N-Quads of a JSON-LD document: JSON-LD → RDF (safe mode) → RDFC-1.0.

This is the *transformation* step of every ``-rdfc-`` cryptosuite. The RDF
conversion goes through :func:`vc_core.jsonld.shapes.to_rdf` (shape-cached)
unless ``fast=False`` asks for the straightforward path; both always agree.
"""

from __future__ import annotations

from typing import Any, Literal

from vc_core.jsonld.processor import Loader, check_jsonld_size, to_rdf_slow
from vc_core.jsonld.shapes import to_rdf
from vc_core.rdf.canon import CanonicalDataset, canonicalize

__all__ = ["canonical_dataset", "canonize"]


def canonical_dataset(
    document: Any,
    *,
    loader: Loader,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    fast: bool = True,
) -> CanonicalDataset:
    """The RDFC-1.0 canonical dataset of a JSON-LD document (with the issued label map).

    A document of more than :data:`~vc_core.jsonld.processor.MAX_JSONLD_VALUES` JSON values
    is ``jsonld.too_large``.
    """
    check_jsonld_size(document)
    quads = to_rdf(document, loader=loader) if fast else to_rdf_slow(document, loader=loader)
    return canonicalize(quads, hash_algorithm=hash_algorithm)


def canonize(
    document: Any,
    *,
    loader: Loader,
    hash_algorithm: Literal["sha256", "sha384"] = "sha256",
    fast: bool = True,
) -> str:
    """Canonical N-Quads text of a JSON-LD document."""
    return canonical_dataset(
        document, loader=loader, hash_algorithm=hash_algorithm, fast=fast
    ).text()
