"""The steps the ``-rdfc-`` suites share (DI ECDSA §3.3.3–3.3.5, DI EdDSA §3.3.3–3.3.5).

Transformation canonicalizes the unsecured document with RDFC-1.0; proof
configuration canonicalizes the proof options under the document's context;
hashing concatenates ``H(canonical proof config) ‖ H(canonical document)``.
The suites differ only in keys and in ``H``: SHA-384 for P-384 keys, where
RDFC-1.0 itself also runs with SHA-384 (as the W3C P-384 vectors show).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

from vc_core.di.base import proof_config
from vc_core.jsonld.canon import canonize
from vc_core.jsonld.processor import Loader

__all__ = ["hash_data"]


def hash_data(
    unsecured_document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    cryptosuite: str,
    loader: Loader,
    hash_name: Literal["sha256", "sha384"] = "sha256",
) -> bytes:
    """``hashData``: the bytes the suite signs, from the document and the proof options."""
    # Transformation: the canonical N-Quads of the unsecured document.
    transformed_document = canonize(unsecured_document, loader=loader, hash_algorithm=hash_name)
    # Proof configuration: the proof options under the document's @context, canonicalized.
    canonical_proof_config = canonize(
        proof_config(unsecured_document, proof, cryptosuite),
        loader=loader,
        hash_algorithm=hash_name,
    )
    # Hashing: proofConfigHash followed by transformedDocumentHash.
    return (
        hashlib.new(hash_name, canonical_proof_config.encode("utf-8")).digest()
        + hashlib.new(hash_name, transformed_document.encode("utf-8")).digest()
    )
