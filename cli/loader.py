"""The JSON-LD document loader the CLI uses: the bundled W3C and Open Badges contexts
(:mod:`vc_core.jsonld.loader`) plus shikaku's own context and schemas (:mod:`vc_schemas`)."""

from __future__ import annotations

from functools import cache

from vc_core.jsonld.loader import DocumentLoader
from vc_schemas.registry import loader as schemas_loader

__all__ = ["cli_loader"]


@cache
def cli_loader() -> DocumentLoader:
    return schemas_loader()
