"""The employer's OpenID4VP 1.0 routes: transactions, request objects, the response endpoint.

The work is :class:`verifier.oid4vp.service.Oid4vpService`'s (kept on ``app.state`` by the
lifespan, beside the :class:`~verifier.service.Verifier` it verifies with); these routes
parse, call it in the thread pool (signing, decrypting and verifying are CPU work, and the
database is synchronous) and answer:

- ``POST /oid4vp/transactions`` — the employer's page creates a transaction (qualification,
  request profile, formats, response mode) and receives the authorization request URI, its
  QR code (SVG), the transaction id and the read secret no one else gets;
- ``GET``/``POST /oid4vp/requests/{id}`` — the signed request object
  (``application/oauth-authz-req+jwt``); by POST (``request_uri_method=post``, a form with
  ``wallet_metadata`` and ``wallet_nonce``) the ``wallet_nonce`` is echoed in it;
- ``POST /oid4vp/response`` — the wallet's ``direct_post`` or ``direct_post.jwt`` response
  (``application/x-www-form-urlencoded``). Verified: 200 ``{}``. Refused: an RFC 9457 problem
  with the code of the check that failed, and OAuth's ``error`` member for wallets that read
  only that; a wallet's own error response is recorded and answered 200;
- ``GET /oid4vp/transactions/{id}`` — status and verdict (disclosed claims the query asked
  for, nothing more), with ``Authorization: Bearer <read secret>``; the employer's page polls
  it. In a same-device flow (``return_path``) the response endpoint answers the wallet with a
  ``redirect_uri`` back to the page carrying a ``response_code`` (§8.2), and the verdict is
  read only with it as well (``?response_code=…``): a transaction relayed to someone else's
  phone cannot be read by whoever started it.

Without a request-signing certificate outside development the routes answer 503
``oid4vp.not_configured``, and the rest of the service works.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from service_kit.http import PROBLEM_JSON, PROBLEM_RESPONSES, read_model, request_body
from vc_core.errors import Oid4vpError, RequestError, ShikakuError
from vc_core.problems import problem_document
from verifier.http.settings import VerifierSettings
from verifier.oid4vp.dcql import FORMATS, PROFILES
from verifier.oid4vp.request import REQUEST_TYP
from verifier.oid4vp.service import Oid4vpService, build_oid4vp
from verifier.service import Verifier

__all__ = ["CreateTransaction", "open_oid4vp", "router"]

log = logging.getLogger("shikaku.verifier.oid4vp")
router = APIRouter(prefix="/oid4vp", tags=["OpenID4VP"])
_FORM: Final = "application/x-www-form-urlencoded"
_MAX_FIELD: Final = 1024 * 1024
_OAUTH_ERROR: Final = {
    "oid4vp.response_invalid": "invalid_request",
    "oid4vp.decryption_failed": "invalid_request",
    "oid4vp.transaction_unknown": "invalid_request",
    "oid4vp.transaction_expired": "invalid_request",
    "oid4vp.transaction_answered": "invalid_request",
}


Format = Literal["dc+sd-jwt", "ldp_vc"]


class CreateTransaction(BaseModel):
    """What the employer asks a wallet for."""

    model_config = ConfigDict(extra="forbid", strict=True)

    qualification: str = Field(min_length=1, max_length=64, description="Catalogue id.")
    profile: Literal["employer", "qualification-only"] = Field(
        default="employer", description=f"Request profile: {', '.join(PROFILES)}."
    )
    formats: list[Format] = Field(
        default_factory=lambda: list[Format](["dc+sd-jwt"]),
        min_length=1,
        max_length=len(FORMATS),
        description="Credential formats the wallet may answer in (alternatives).",
    )
    response_mode: Literal["direct_post", "direct_post.jwt"] = "direct_post.jwt"
    client_id_prefix: Literal["x509_san_dns", "x509_hash", "redirect_uri"] | None = None
    request_uri_method: Literal["get", "post"] | None = None
    return_path: str | None = Field(
        default=None,
        max_length=512,
        description="Same device: the path on this service the wallet returns the browser to, "
        "with a response_code needed to read the verdict.",
    )


def open_oid4vp(
    settings: VerifierSettings, verifier: Verifier, *, now: datetime | None = None
) -> Oid4vpService | Oid4vpError:
    """The service for ``settings``, or why OpenID4VP is off (the routes answer with it);
    ``now`` is the service's time (a development certificate is made valid from it)."""
    try:
        identity = settings.oid4vp_identity(now=now)
    except Oid4vpError as exc:
        log.warning("OpenID4VP is off: %s", exc.message)
        return exc
    return build_oid4vp(
        verifier, identity, settings.oid4vp_config(), database_url=settings.database("verifier")
    )


async def service_of(request: Request) -> Oid4vpService:
    # async: a plain def dependency would cost a thread-pool hop per request.
    service: Oid4vpService | Oid4vpError = request.app.state.oid4vp
    if isinstance(service, Oid4vpError):
        raise Oid4vpError("oid4vp.not_configured", service.message)
    return service


ServiceDep = Annotated[Oid4vpService, Depends(service_of)]


async def _form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != _FORM:
        raise RequestError("request.media_type", f"send {_FORM}")
    form = await request.form(max_files=0, max_fields=32, max_part_size=_MAX_FIELD)
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key in out:
            raise Oid4vpError("oid4vp.response_invalid", f"form field {key[:40]!r} is repeated")
        out[key] = value
    return out


@router.post(
    "/transactions",
    status_code=201,
    responses=PROBLEM_RESPONSES,
    openapi_extra=request_body(CreateTransaction),
    summary="Create a transaction: what to ask a wallet for; the request URI and its QR code",
)
async def create_transaction(request: Request, service: ServiceDep) -> dict[str, Any]:
    asked = await read_model(request, CreateTransaction)
    created = await run_in_threadpool(
        service.create,
        asked.qualification,
        asked.profile,
        formats=tuple(asked.formats),
        response_mode=asked.response_mode,
        prefix=asked.client_id_prefix,
        request_uri_method=asked.request_uri_method,
        return_path=asked.return_path,
    )
    log.info("oid4vp transaction for %s/%s", asked.qualification, asked.profile)
    return created.to_json()


_REQUEST_OBJECT: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The signed request object (a compact JWS)",
        "content": {f"application/{REQUEST_TYP}": {"schema": {"type": "string"}}},
    },
    **PROBLEM_RESPONSES,
}


async def request_object(transaction_id: str, request: Request, service: ServiceDep) -> Response:
    """GET: the object; POST (``request_uri_method=post``): the object with the wallet's
    ``wallet_nonce`` (its ``wallet_metadata`` is read and not needed: the request offers
    what this verifier supports whatever the wallet is)."""
    wallet_nonce = None
    if request.method == "POST" and await request.body():
        wallet_nonce = (await _form(request)).get("wallet_nonce")
        if wallet_nonce is not None and not 0 < len(wallet_nonce) <= 256:
            raise RequestError("request.invalid", "wallet_nonce has 1 to 256 characters")
    token = await run_in_threadpool(
        service.request_object, transaction_id, wallet_nonce=wallet_nonce
    )
    return Response(token, media_type=f"application/{REQUEST_TYP}")


# One route answers both methods, so that a refused method's 405 names both in Allow; the
# two documented operations below describe it (they are never reached themselves).
router.add_api_route(
    "/requests/{transaction_id}",
    request_object,
    methods=["GET", "POST"],
    include_in_schema=False,
)
for _method, _summary in (
    ("GET", "The signed request object (request_uri)"),
    ("POST", "The signed request object with the wallet's nonce (request_uri_method=post)"),
):
    router.add_api_route(
        "/requests/{transaction_id}",
        request_object,
        methods=[_method],
        responses=_REQUEST_OBJECT,
        response_class=Response,
        summary=_summary,
        operation_id=f"oid4vp_request_object_{_method.lower()}",
    )


def _refusal(error: ShikakuError, request: Request, **extra: Any) -> JSONResponse:
    document = problem_document(error, instance=request.url.path)
    document.setdefault("error", _OAUTH_ERROR.get(error.code, "access_denied"))
    document["error_description"] = error.message
    document.update(extra)
    return JSONResponse(document, status_code=document["status"], media_type=PROBLEM_JSON)


@router.post(
    "/response",
    responses=PROBLEM_RESPONSES,
    summary="The wallet's authorization response (direct_post, direct_post.jwt)",
)
async def response_endpoint(request: Request, service: ServiceDep) -> JSONResponse:
    try:
        form = await _form(request)
        answer = await run_in_threadpool(service.respond, form)
    except Oid4vpError as exc:
        log.info("oid4vp response refused: %s", exc.code)
        return _refusal(exc, request)
    back = {"redirect_uri": answer.redirect_uri} if answer.redirect_uri else {}
    if answer.code is None or answer.code == "oid4vp.wallet_error":
        log.info("oid4vp response: %s", answer.code or "verified")
        return JSONResponse(back)
    log.info("oid4vp response not verified: %s", answer.code)
    checks: list[dict[str, Any]] = answer.verdict["checks"]
    failed: dict[str, Any] = next((c for c in checks if c.get("code") == answer.code), {})
    error = ShikakuError(answer.code, failed.get("message"))
    return _refusal(error, request, transaction=answer.transaction_id, **back)


@router.get(
    "/transactions/{transaction_id}",
    responses=PROBLEM_RESPONSES,
    summary="A transaction's status and verdict (Authorization: Bearer <read secret>)",
)
async def read_transaction(
    transaction_id: str, request: Request, service: ServiceDep
) -> dict[str, Any]:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    given = secret.strip() if scheme.lower() == "bearer" else None
    code = request.query_params.get("response_code")
    return await run_in_threadpool(service.read, transaction_id, given, code)
