"""Loading the published vectors in ../shared/vectors (see its MANIFEST.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import vectors_dir
from vc_core.jsonld.loader import DocumentLoader, default_loader

CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"


def read_json(relative: str) -> Any:
    return json.loads((vectors_dir() / relative).read_text(encoding="utf-8"))


def read_text(relative: str) -> str:
    return (vectors_dir() / relative).read_text(encoding="utf-8")


def path(relative: str) -> Path:
    return vectors_dir() / relative


@cache
def vector_loader() -> DocumentLoader:
    """Our bundled contexts plus the citizenship context the W3C `employ/` vectors use."""
    return default_loader().with_documents(
        {CITIZENSHIP_V4RC1: read_json("contexts/citizenship-v4rc1.jsonld")}
    )
