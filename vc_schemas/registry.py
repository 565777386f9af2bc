"""The bundled, pinned documents of vc_schemas: our JSON-LD context and JSON Schemas.

Like ``vc_core``'s contexts (:mod:`vc_core.jsonld.loader`), each document ships inside the
package and is pinned by the SHA-256 of its canonical JSON (sorted keys, no whitespace,
UTF-8; :func:`vc_core.jsonld.loader.document_digest`), so an edited file fails loudly
instead of silently changing what a signature means. A published document is never
edited: a change is a new versioned URL (``…/v2``) with a new file and a new pin.

==========================================================  ===============================
URL                                                         file
==========================================================  ===============================
https://w3id.org/shikaku/jp-nq/v1                           contexts/jp-nq-v1.jsonld
https://w3id.org/shikaku/jp-nq/schemas/credential-v1.json   schemas/jp-nq-credential-v1.json
https://w3id.org/shikaku/jp-nq/schemas/disclosed-v1.json    schemas/jp-nq-disclosed-v1.json
==========================================================  ===============================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from vc_core.errors import LoaderError
from vc_core.jsonld.loader import DocumentLoader, default_loader, document_digest
from vc_schemas.namespace import CONTEXT_V1, CREDENTIAL_SCHEMA_V1, DISCLOSED_SCHEMA_V1

__all__ = ["BUNDLED", "BundledDocument", "bundled_documents", "loader", "schemas"]


@dataclass(frozen=True)
class BundledDocument:
    """One document vc_schemas ships: where it is served, its file, and its pin."""

    url: str
    kind: Literal["context", "schema"]
    path: str
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


BUNDLED: Final = (
    BundledDocument(
        CONTEXT_V1,
        "context",
        "contexts/jp-nq-v1.jsonld",
        "4813ef0e65147cb4127141b133b30b071b783c241ac033b6517209a9717137f0",
    ),
    BundledDocument(
        CREDENTIAL_SCHEMA_V1,
        "schema",
        "schemas/jp-nq-credential-v1.json",
        "422d0637c34cce56c00da3e7b5d77146277e0242d32913325af8399cc3ae122b",
    ),
    BundledDocument(
        DISCLOSED_SCHEMA_V1,
        "schema",
        "schemas/jp-nq-disclosed-v1.json",
        "2ccc80323e6838c12f215525375378f3b3425187c967a5b2266d58214fb81819",
    ),
)


def _read(document: BundledDocument) -> Any:
    text = (resources.files("vc_schemas") / document.path).read_text(encoding="utf-8")
    parsed = json.loads(text)
    if document_digest(parsed) != document.sha256:
        raise LoaderError("loader.pin_mismatch", f"bundled {document.path} does not match its pin")
    return parsed


@cache
def bundled_documents() -> Mapping[str, Any]:
    """URL → parsed document for every bundled context and schema, pins verified."""
    return {document.url: _read(document) for document in BUNDLED}


def schemas() -> dict[str, Any]:
    """URL → JSON Schema, for the validators (deep copies of the bundled ones)."""
    return {
        d.url: json.loads(json.dumps(bundled_documents()[d.url]))
        for d in BUNDLED
        if d.kind == "schema"
    }


@cache
def _extended(base: DocumentLoader) -> DocumentLoader:
    contexts = {d.url: bundled_documents()[d.url] for d in BUNDLED if d.kind == "context"}
    pins = {d.url: d.sha256 for d in BUNDLED if d.kind == "context"}
    return base.with_documents(contexts, pins=pins)


def loader(base: DocumentLoader | None = None) -> DocumentLoader:
    """``base`` (vc_core's default loader) extended with our pinned context."""
    return _extended(default_loader() if base is None else base)
