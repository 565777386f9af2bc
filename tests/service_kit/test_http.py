"""service_kit.http: the problem handlers every service installs, on a small real FastAPI app.

The verifier's own tests drive the handlers through its routes; here are the cases its routes
cannot produce: an unexpected exception (500 ``server.internal``, nothing in the answer, the
type and traceback in the log but no frame's locals) and FastAPI's own parameter validation
(400 ``request.invalid``, never FastAPI's 422 shape); and a route served by ``direct_route``
answering as its endpoint would, inside the same cap and catch-all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from service_kit.http import (
    FastJSONResponse,
    direct_route,
    install_problem_handlers,
    limit_body_size,
    publish_models,
    read_model,
    service_app,
)
from service_kit.http import request_body as documented

SECRET_LOCAL = "a-value-only-a-local-variable-holds"


class Greeting(BaseModel):
    name: str


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)
    limit_body_size(app, 64)

    @app.get("/boom")
    def boom() -> None:
        hidden = SECRET_LOCAL
        raise RuntimeError("the service broke: " + hidden[:1])

    @app.get("/count")
    def count(n: int) -> int:
        return n

    @app.post("/greet", openapi_extra=documented(Greeting))
    async def greet(request: Request) -> str:
        return "hello " + (await read_model(request, Greeting)).name

    publish_models(app, Greeting)
    with TestClient(app) as client:
        yield client


def test_an_unexpected_exception_is_500_with_nothing_in_it(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="shikaku.http")
    answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "server.internal"
    assert "broke" not in answer.text and "RuntimeError" not in answer.text
    assert "RuntimeError" in caplog.text
    assert SECRET_LOCAL not in caplog.text


def test_fastapis_own_validation_is_400_request_invalid(client: TestClient) -> None:
    answer = client.get("/count", params={"n": "many"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "request.invalid"
    assert body["fields"][0]["field"] == "query.n"
    assert "detail" in body and not isinstance(body["detail"], list)


def test_a_body_read_by_the_route_is_strict_and_capped(client: TestClient) -> None:
    assert client.post("/greet", json={"name": "看護師"}).json() == "hello 看護師"
    answer = client.post(
        "/greet",
        content=b'{"name": "a", "name": "b"}',
        headers={"content-type": "application/json"},
    )
    assert answer.json()["code"] == "input.duplicate_key"
    assert client.post("/greet", json={"name": "x" * 100}).status_code == 413


def test_published_models_are_components_every_reference_resolves_to(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"Greeting", "ProblemDetails"} <= set(schemas)
    body = document["paths"]["/greet"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Greeting"}


@pytest.mark.parametrize(
    "content",
    [
        {
            "verified": True,
            "名前": "山田 花子",
            "n": [1, -2, 3.5, None, False],
            "s": 'a"\\/\n\u0001',
        },
        {"big": 2**64 + 1, "list": [{"nested": "ok"}]},  # orjson cannot: the standard encoder
        [],
    ],
)
def test_the_fast_json_answer_is_the_json_starlette_would_send(content: object) -> None:
    fast = FastJSONResponse(content).body
    assert fast == JSONResponse(content).body


@pytest.fixture
def direct() -> Iterator[tuple[TestClient, list[str]]]:
    """A service app whose ``POST /greet`` is answered by direct_route (and its endpoint)."""
    app = service_app(title="t", summary="s", lifespan=None, settings=None, max_body_bytes=64)
    reached: list[str] = []

    async def answer(request: Request) -> Response:
        reached.append("direct")
        name = (await read_model(request, Greeting)).name
        if name == "boom":
            raise RuntimeError("the handler broke")
        return FastJSONResponse({"hello": name})

    @app.post("/greet", openapi_extra=documented(Greeting))
    async def greet(request: Request) -> Response:
        reached.append("fastapi")
        return await answer(request)

    direct_route(app, "POST", "/greet", answer)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, reached


def test_a_direct_route_answers_as_its_endpoint_would(
    direct: tuple[TestClient, list[str]],
) -> None:
    client, reached = direct
    assert client.post("/greet", json={"name": "Hanako"}).json() == {"hello": "Hanako"}
    refused = client.post("/greet", json={"name": 3})  # The problem handlers' answer.
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["code"], refused.json()["instance"]) == ("request.invalid", "/greet")
    assert (
        client.post("/greet", content=b"{}", headers={"content-type": "text/plain"}).json()["code"]
        == "request.media_type"
    )
    assert reached == ["direct"] * 3  # FastAPI's routing never ran.


def test_around_a_direct_route_the_app_is_unchanged(
    direct: tuple[TestClient, list[str]],
) -> None:
    client, reached = direct
    too_large = client.post("/greet", json={"name": "x" * 100})  # The cap comes first.
    assert (too_large.status_code, too_large.json()["code"]) == (413, "input.too_large")
    broke = client.post("/greet", json={"name": "boom"})  # The catch-all still answers.
    assert (broke.status_code, broke.json()["code"]) == (500, "server.internal")
    wrong = client.get("/greet")  # Other methods and paths are routed as before.
    assert (wrong.status_code, wrong.json()["code"]) == (405, "request.method_not_allowed")
    assert client.post("/greet/", follow_redirects=False).status_code == 307  # FastAPI's.
    assert reached == ["direct"]  # Only the request that broke; the cap refused unread.
    assert "/greet" in client.get("/openapi.json").json()["paths"]
