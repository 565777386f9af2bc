"""Bundled documents: pinned by SHA-256, served by the loader, never any other URL."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from vc_core.errors import LoaderError
from vc_core.jsonld.loader import DocumentLoader, default_loader, document_digest
from vc_schemas import registry
from vc_schemas.namespace import CONTEXT_V1, NAMESPACE

# The OB 3.0 context's protected terms the JP context must not redefine.
OB_TERMS_IN_SUBJECT = {"achievement", "licenseNumber", "identifier", "result", "source", "role"}


def test_every_bundled_file_matches_its_pin() -> None:
    for document in registry.BUNDLED:
        text = (resources.files("vc_schemas") / document.path).read_text(encoding="utf-8")
        assert document_digest(json.loads(text)) == document.sha256, document.path
        assert document.url.startswith(NAMESPACE + "/")


def test_an_edited_file_fails_its_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    first = registry.BUNDLED[0]
    edited = registry.BundledDocument(first.url, first.kind, first.path, "0" * 64)
    monkeypatch.setattr(registry, "BUNDLED", (edited,))
    registry.bundled_documents.cache_clear()
    try:
        with pytest.raises(LoaderError) as caught:
            registry.bundled_documents()
        assert caught.value.code == "loader.pin_mismatch"
    finally:
        monkeypatch.undo()
        registry.bundled_documents.cache_clear()


def test_the_loader_serves_ours_and_core_and_nothing_else() -> None:
    loader = registry.loader()
    assert CONTEXT_V1 in loader
    assert default_loader().urls < loader.urls
    assert loader(CONTEXT_V1)["document"] == registry.bundled_documents()[CONTEXT_V1]
    with pytest.raises(LoaderError) as caught:
        loader("https://w3id.org/shikaku/jp-nq/v2")
    assert caught.value.code == "loader.url_not_allowed"
    # JSON Schemas are for validators, not JSON-LD processing.
    assert all(d.url not in loader for d in registry.BUNDLED if d.kind == "schema")


def test_the_loader_extends_any_base_and_refuses_a_replaced_context() -> None:
    base = DocumentLoader({})
    assert registry.loader(base).urls == {CONTEXT_V1}
    clash = DocumentLoader({CONTEXT_V1: {"@context": {}}})
    with pytest.raises(LoaderError) as caught:
        registry.loader(clash)
    assert caught.value.code == "loader.pin_mismatch"


def test_our_context_is_protected_and_type_scoped() -> None:
    context = registry.bundled_documents()[CONTEXT_V1]["@context"]
    assert context["@protected"] is True
    holder = context["NationalQualificationHolder"]
    assert holder["@context"]["@protected"] is True
    assert not OB_TERMS_IN_SUBJECT & set(holder["@context"])

    # Every IRI is absolute, so no term can fall back to a base or a vocabulary.
    def iris(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [v for k, v in node.items() if k in ("@id", "@type") and isinstance(v, str)]
            return found + [i for v in node.values() for i in iris(v)]
        return []

    assert all(i.startswith(("http://", "https://", "@")) for i in iris(context))
