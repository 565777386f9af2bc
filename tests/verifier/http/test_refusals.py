"""Issue 12: every refusal of the verifier service is an RFC 9457 problem with shikaku's code.

Malformed JSON, a member name twice, NaN, a body over the cap (declared or streamed), a body
that is not JSON, an option or check the service does not know, a missing member, a path or
method that does not exist: 400, 404, 405, 413 or 415 with ``application/problem+json`` and
the code — never a 500, never FastAPI's own 422 shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.problems import NOT_STRICT_IDS, not_strict_json, problem
from tests.verifier.world import World

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "code"), not_strict_json("verifiableCredential"), ids=NOT_STRICT_IDS
)
def test_bodies_that_are_not_strict_json_are_refused(
    client: TestClient, body: bytes, code: str
) -> None:
    answer = client.post("/credentials/verify", content=body, headers=JSON)
    problem(answer, 400, code)


def test_a_duplicate_key_deep_inside_a_credential_is_refused(
    client: TestClient, world: World
) -> None:
    """FastAPI's parser would keep the second ``issuer``; shikaku refuses the document."""
    text = '{"verifiableCredential": {"issuer": "did:example:a", "issuer": "did:example:b"}}'
    answer = client.post("/credentials/verify", content=text.encode(), headers=JSON)
    body = problem(answer, 400, "input.duplicate_key")
    assert "issuer" in body["detail"] or body.get("pointer", "").endswith("issuer")


def test_a_body_over_the_cap_is_413(client: TestClient) -> None:
    huge = b'{"verifiableCredential": "' + b"a" * (1024 * 1024) + b'"}'
    answer = client.post("/credentials/verify", content=huge, headers=JSON)
    problem(answer, 413, "input.too_large")


def test_a_streamed_body_over_the_cap_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"verifiableCredential": "'
        for _ in range(20):
            yield b"a" * 64 * 1024
        yield b'"}'

    answer = client.post("/credentials/verify", content=chunks(), headers=JSON)
    problem(answer, 413, "input.too_large")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", None, "application/json; charset=latin-1"],
)
def test_a_body_that_is_not_json_by_its_type_is_415(
    client: TestClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    answer = client.post(
        "/credentials/verify", content=b'{"verifiableCredential": "x"}', headers=headers
    )
    problem(answer, 415, "request.media_type")


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({}, "verifiableCredential"),
        ({"verifiableCredential": 7}, "verifiableCredential"),
        ({"verifiableCredential": "x", "options": {"checkStatus": False}}, "options.checkStatus"),
        ({"verifiableCredential": "x", "extra": 1}, "extra"),
        ({"verifiableCredential": "x", "options": {"checks": "proof"}}, "options.checks"),
    ],
    ids=["missing", "number", "unknown-option", "unknown-member", "checks-not-a-list"],
)
def test_a_request_not_as_described_is_400_naming_the_field(
    client: TestClient, request_body: dict[str, Any], field: str
) -> None:
    body = problem(client.post("/credentials/verify", json=request_body), 400, "request.invalid")
    assert any(f["field"].startswith(field) for f in body["fields"]), body["fields"]
    assert "422" not in str(body["status"])


def test_an_unknown_check_name_is_400(client: TestClient, world: World) -> None:
    request = {"verifiableCredential": world.signed(), "options": {"checks": ["proof", "vibes"]}}
    body = problem(client.post("/credentials/verify", json=request), 400, "request.invalid")
    assert "vibes" in body["detail"]


def test_a_json_body_that_is_not_an_object_is_400(client: TestClient) -> None:
    problem(client.post("/presentations/verify", json=["a"]), 400, "request.invalid")


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = problem(client.get("/nothing/here"), 404, "request.not_found")
    assert body["instance"] == "/nothing/here"


def test_a_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    answer = client.get("/credentials/verify")
    problem(answer, 405, "request.method_not_allowed")
    assert answer.headers["allow"] == "POST"


def test_probes_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_json_text_in_a_string_is_not_a_credential(client: TestClient, world: World) -> None:
    """The W3C Data Integrity suites send a credential as a string of JSON text: not a map."""
    text = json.dumps(world.signed())
    answer = client.post("/credentials/verify", json={"verifiableCredential": text})
    assert answer.status_code == 400
    assert answer.json()["code"] == "credential.malformed"


def test_a_challenge_body_that_is_not_json_is_refused(client: TestClient) -> None:
    """No body asks for a challenge for this verifier; a body of blanks is not JSON."""
    assert client.post("/challenges").status_code == 201
    answer = client.post("/challenges", content=b" ", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
