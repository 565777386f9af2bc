"""The JSON-LD document loader the CLI uses: bundled W3C and Open Badges contexts,
plus the qualification catalogue's own context and schemas when installed."""

from __future__ import annotations

from functools import cache

from vc_core.jsonld.loader import DocumentLoader, default_loader

__all__ = ["cli_loader"]


@cache
def cli_loader() -> DocumentLoader:
    return default_loader()
