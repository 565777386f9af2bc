"""Issue 12: the verifier publishes its OpenAPI document with the request and response models."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def test_the_openapi_document_describes_every_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert {"/challenges", "/credentials/verify", "/presentations/verify"} <= set(paths)
    assert {"/healthz", "/readyz"} <= set(paths)
    verify = paths["/presentations/verify"]["post"]
    schema = verify["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/VerifyPresentationRequest"}
    assert {"200", "400"} <= set(verify["responses"])
    schemas = document["components"]["schemas"]
    request = schemas["VerifyPresentationRequest"]
    assert "verifiablePresentation" in request["properties"]
    assert request["additionalProperties"] is False
    assert set(schemas["VerifyResponse"]["properties"]) == {
        "verified",
        "checks",
        "warnings",
        "errors",
        "result",
    }


def test_every_reference_in_the_document_resolves(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for ref in refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"]
