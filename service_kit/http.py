"""The HTTP edge every shikaku service shares: RFC 9457 problems, strict JSON bodies, a size cap.

ARCHITECTURE.md ("Target layout for the service layer") makes this the only module outside the
roles' ``http/`` packages that imports FastAPI. A service's ``create_app`` calls
:func:`install_problem_handlers` and :func:`limit_body_size` once, and its routes read their
bodies with :func:`read_model`. Then every answer that is not a success is an RFC 9457 problem
document (``application/problem+json``) whose ``code`` is one of :data:`vc_core.errors.CODES`:

- a :class:`~vc_core.errors.ShikakuError` becomes :func:`vc_core.problems.problem_document`
  with the code's HTTP status;
- a body that does not match its model is 400 ``request.invalid`` listing the fields (never
  FastAPI's own 422 shape);
- an unknown path is 404 ``request.not_found``, a wrong method 405
  ``request.method_not_allowed`` (with ``Allow``), a body that is not JSON 415
  ``request.media_type``, a body over the cap 413 ``input.too_large``;
- anything else is 500 ``server.internal`` with no detail: the log has the exception's type
  and traceback (never its frames' locals), the answer nothing an attacker could use.

JSON bodies are read by :func:`vc_core.jsonio.loads`, not by FastAPI: FastAPI's parser keeps
the last of two members with one name, where shikaku refuses the document
(``input.duplicate_key``, RFC 8259 §4), as it does ``NaN`` and documents nested too deep.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vc_core.errors import InputError, RequestError, ServerError, ShikakuError
from vc_core.jsonio import DEFAULT_LIMITS, Limits, loads
from vc_core.problems import problem_document

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "FastJSONResponse",
    "ProblemDetails",
    "direct_route",
    "install_problem_handlers",
    "invalid_request",
    "limit_body_size",
    "parse_model",
    "problem_response",
    "publish_models",
    "read_json",
    "read_model",
    "request_body",
    "service_app",
]

M = TypeVar("M", bound=BaseModel)

PROBLEM_JSON: Final = "application/problem+json"
_MAX_FIELDS: Final = 20
# HTTP errors Starlette raises itself (routing, methods) and the codes they are answered with.
_HTTP_CODES: Final = {
    404: "request.not_found",
    405: "request.method_not_allowed",
    413: "input.too_large",
    415: "request.media_type",
}

log = logging.getLogger("shikaku.http")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document as shikaku writes it (``code``, ``kind``: §3.2 members)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="The problem type URI: the base and the code.")
    title: str = Field(description="The code's one-line description, the same every time.")
    status: int = Field(description="The HTTP status of this answer.")
    detail: str = Field(description="What went wrong this time.")
    code: str = Field(description="The stable shikaku error code (vc_core.errors.CODES).")
    kind: str = Field(description="failure, or could_not_verify.")
    instance: str | None = Field(default=None, description="The path that was asked.")


#: The ``responses`` of a route whose refusals are problem documents (for OpenAPI).
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    "4XX": {
        "description": "The request was refused: an RFC 9457 problem document.",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    },
}


class FastJSONResponse(JSONResponse):
    """A JSON answer written by orjson: the same compact UTF-8 JSON as Starlette's
    :class:`~starlette.responses.JSONResponse`, ~20x faster for a verification report (3.5 KB:
    40 µs -> 2 µs). What orjson cannot write (an integer beyond 64 bits) goes to the standard
    encoder. (orjson would write NaN as null; JSON that shikaku reads holds none: jsonio.)"""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


def problem_response(
    error: ShikakuError, *, instance: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """``error`` as an ``application/problem+json`` response with its code's HTTP status."""
    document = problem_document(error, instance=instance)
    return JSONResponse(
        document, status_code=document["status"], media_type=PROBLEM_JSON, headers=headers
    )


def invalid_request(errors: Sequence[Mapping[str, Any]]) -> RequestError:
    """``request.invalid`` naming each field pydantic (or FastAPI) found wanting."""
    fields = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())) or "body",
            "problem": str(error.get("msg", "invalid")),
        }
        for error in list(errors)[:_MAX_FIELDS]
    ]
    summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields[:5])
    message = f"the request is not as described: {summary}"
    return RequestError("request.invalid", message, fields=fields)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error ``app`` answers an RFC 9457 problem document (see the module)."""
    app.add_exception_handler(ShikakuError, _on_shikaku_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_middleware(_CatchAll)


def limit_body_size(app: FastAPI, max_bytes: int = DEFAULT_LIMITS.max_bytes) -> None:
    """Refuse request bodies over ``max_bytes`` with 413 ``input.too_large``, unread."""
    app.add_middleware(_BodyLimit, max_bytes=max_bytes)


async def read_json(request: Request, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The request's JSON body, read strictly by :func:`vc_core.jsonio.loads`."""
    _require_json(request.headers.get("content-type"))
    return loads(await request.body(), limits=limits, where="the request body")


def parse_model(model: type[M], value: Any) -> M:
    """``value`` as ``model``, or ``request.invalid`` naming the fields (never their values)."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise invalid_request(exc.errors(include_input=False, include_url=False)) from None


async def read_model(request: Request, model: type[M], *, limits: Limits = DEFAULT_LIMITS) -> M:
    """The request's strict JSON body as ``model``; document it with :func:`request_body`."""
    return parse_model(model, await read_json(request, limits=limits))


def request_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """The ``openapi_extra`` of a route that reads ``model`` itself (:func:`publish_models`);
    ``required=False`` for a route that also takes no body at all."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    content = {"application/json": {"schema": schema}}
    return {"requestBody": {"required": required, "content": content}}


def publish_models(app: FastAPI, *models: type[BaseModel]) -> None:
    """Put ``models`` (and :class:`ProblemDetails`) in the components of ``app``'s OpenAPI."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI keeps this object as app.openapi_schema.
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        published: tuple[type[BaseModel], ...] = (ProblemDetails, *models)
        for model in published:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def direct_route(
    app: FastAPI, method: str, path: str, handler: Callable[[Request], Awaitable[Response]]
) -> None:
    """Answer ``method path`` with ``handler`` ahead of FastAPI's routing, for a hot route.

    The route stays declared on ``app`` as usual (its OpenAPI, its endpoint calling the same
    ``handler``); requests for it are answered here, inside the body cap and the catch-all of
    :func:`service_app`, a :class:`~vc_core.errors.ShikakuError` as the problem handlers
    answer it, anything else the catch-all's 500. What is skipped is routing, dependency
    resolution and FastAPI's request and response wrappers: under load ~16% of a verifier
    worker's time holding the GIL (py-spy) for a route that needs none of them. Call it once
    the app's other middleware is added; other methods and paths go on as before.
    """
    app.user_middleware.append(Middleware(_Direct, method=method, path=path, handler=handler))


def _require_json(content_type: str | None) -> None:
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise RequestError(
            "request.media_type", f"the request body must be application/json, not {media[:60]!r}"
        )
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise RequestError("request.media_type", "a JSON request body is UTF-8 (RFC 8259 §8.1)")


def _code_error(code: str) -> ShikakuError:
    prefix = code.split(".", 1)[0]
    kind = {"request": RequestError, "input": InputError}.get(prefix, ServerError)
    return kind(code)


async def _on_shikaku_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShikakuError)
    log.info("%s %s refused: %s", request.method, request.url.path, exc.code)
    return problem_response(exc, instance=request.url.path)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = invalid_request(exc.errors())
    log.info("%s %s refused: %s", request.method, request.url.path, error.code)
    return problem_response(error, instance=request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status) or ("request.invalid" if status < 500 else "server.internal")
    return problem_response(_code_error(code), instance=request.url.path, headers=exc.headers)


class _CatchAll:
    """Answers an unexpected exception with 500 ``server.internal``; logs it without locals.

    Starlette's own last-resort handler answers and then re-raises; this middleware answers
    and stops, so the server does not log the same exception twice.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            log.error(
                "%s %s failed with %s",
                scope.get("method"),
                scope.get("path"),
                type(exc).__name__,
                exc_info=exc,
            )
            if started:
                raise
            response = problem_response(ServerError("server.internal"), instance=scope.get("path"))
            await response(scope, receive, send)


class _Direct:
    """:func:`direct_route`'s middleware: the innermost of the app's own."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        method: str,
        path: str,
        handler: Callable[[Request], Awaitable[Response]],
    ) -> None:
        self.app = app
        self.method = method
        self.path = path
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != self.method or not self._ours(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        try:
            response = await self.handler(request)
        except ShikakuError as exc:
            response = await _on_shikaku_error(request, exc)
        await response(scope, receive, send)

    def _ours(self, scope: Scope) -> bool:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path == self.path


class _BodyLimit:
    """Reads a request body up to ``max_bytes`` before the app runs; 413 beyond that.

    A declared ``Content-Length`` over the cap is refused before anything is read; a chunked
    body is counted as it arrives and refused as soon as it passes the cap, so a client cannot
    make the service hold more than ``max_bytes`` of one body in memory.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # The client went away: there is no one to answer.
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = InputError(
            "input.too_large", f"the request body is larger than {self.max_bytes} bytes"
        )
        log.info("%s %s refused: %s", scope.get("method"), scope.get("path"), error.code)
        response = problem_response(error, instance=scope.get("path"))
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body once, then waits on the real one."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def service_app(
    *, title: str, summary: str, lifespan: Any, settings: Any, max_body_bytes: int
) -> FastAPI:
    """A shikaku service's FastAPI app: OpenAPI at ``/openapi.json`` (no docs pages), the
    settings on ``app.state``, RFC 9457 problems for every error, bodies capped."""
    app = FastAPI(
        title=title,
        summary=summary,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_problem_handlers(app)
    limit_body_size(app, max_body_bytes)
    return app
