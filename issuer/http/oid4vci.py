"""The board's OpenID4VCI 1.0 routes: metadata, offers, token, nonce, credential, notification.

The routes read the request, call :class:`issuer.oid4vci.Oid4vciIssuer` (kept on
``app.state.oid4vci``; the board itself on ``app.state.board``) in the thread pool — its work
is database and signatures — and write its answer. Unlike the board's other routes, these
answer errors as OAuth does (RFC 6749 §5.2): ``{"error", "error_description"}`` in
``application/json``, and on the protected resources (credential, notification) 401 with a
``WWW-Authenticate: DPoP`` challenge for token and DPoP errors (RFC 6750 §3, RFC 9449 §7.1).
Every answer of the token endpoint and the protected resources carries a fresh ``DPoP-Nonce``
(RFC 9449 §8, §9), so a wallet told ``use_dpop_nonce`` retries at once.

Paths: ``/.well-known/openid-credential-issuer`` and ``/.well-known/oauth-authorization-server``
(with the issuer identifier's path appended when it has one: OpenID4VCI 1.0 §12.2.2,
RFC 8414 §3.1), ``GET /oid4vci/offers/{reference}``, ``POST /oid4vci/token`` (form-encoded),
``POST /oid4vci/nonce``, ``POST /oid4vci/credential``, ``POST /oid4vci/notification``.

Enrolment in the session (a shikaku extension, :mod:`issuer.oid4vci.service`; served when the
board has an enrolment desk, ``app.state.enrolment``, and then named in the credential issuer
metadata as ``shikaku_enrolment_challenge_endpoint`` and ``shikaku_enrolment_endpoint``). Both
are protected resources like the credential endpoint (``Authorization: DPoP <token>`` and a
``DPoP`` proof; token and DPoP errors are OAuth 401s):

- ``POST /oid4vci/enrolment/challenge`` (no body) → 200
  ``{"nonce", "audience", "purpose", "expires_at"}`` for the grant's subject;
- ``POST /oid4vci/enrolment`` with ``{"mode": "card" | "wallet", "proof": <JpkiBindingProof
  JSON>, "wallet_jwk"?: <public JWK>}`` → 201 ``{"mode", "thumbprint"}``.

Their other refusals (``card.*``, ``board.*``, ``request.*``) are RFC 9457 problems, with a
fresh ``DPoP-Nonce`` too. A board without a desk answers 404 ``request.not_found``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from issuer.oid4vci import Accepted, Oid4vciIssuer
from service_kit.http import PROBLEM_RESPONSES, problem_response, read_json
from vc_core.errors import OAuthError, RequestError, ShikakuError

__all__ = ["oid4vci_of", "router"]

log = logging.getLogger("shikaku.issuer.oid4vci")
router = APIRouter(tags=["OpenID4VCI"])

T = TypeVar("T")
_NO_STORE: Final = {"Cache-Control": "no-store"}
_FORM: Final = "application/x-www-form-urlencoded"
_MAX_FORM: Final = 8 * 1024
#: On a protected resource these errors are a 401 with a DPoP challenge (RFC 9449 §7.1).
_CHALLENGED: Final = frozenset({"invalid_token", "invalid_dpop_proof", "use_dpop_nonce"})


def oid4vci_of(request: Request) -> Oid4vciIssuer:
    """The OpenID4VCI service object the app keeps on ``app.state``."""
    service: Oid4vciIssuer = request.app.state.oid4vci
    return service


def _oauth_error(error: OAuthError, *, resource: bool, headers: dict[str, str]) -> JSONResponse:
    body = {"error": error.error, "error_description": error.message}
    status = 400
    if resource and error.error in _CHALLENGED:
        status = 401
        description = error.message.replace('"', "'")
        headers["WWW-Authenticate"] = (
            f'DPoP error="{error.error}", error_description="{description}", algs="ES256"'
        )
    elif error.error == "invalid_token":
        status = 401
    log.info("oid4vci refused: %s", error.code)
    return JSONResponse(body, status_code=status, headers=headers)


async def _answer(
    service: Oid4vciIssuer,
    work: Callable[[], T],
    *,
    resource: bool,
    dpop_nonce: bool = True,
    status: int = 200,
    problems: str | None = None,
) -> Response:
    """Run ``work`` in the thread pool; its result (or OAuth error) as the JSON answer.

    With ``problems`` (the request's path), another shikaku error is answered here as an
    RFC 9457 problem carrying the fresh ``DPoP-Nonce``; without, it goes to the app's handler.
    """
    headers = dict(_NO_STORE)
    try:
        result = await run_in_threadpool(work)
    except OAuthError as error:
        if dpop_nonce:
            headers["DPoP-Nonce"] = await run_in_threadpool(service.dpop_nonce)
        return _oauth_error(error, resource=resource, headers=headers)
    except ShikakuError as error:
        if problems is None:
            raise
        log.info("oid4vci refused: %s", error.code)
        headers["DPoP-Nonce"] = await run_in_threadpool(service.dpop_nonce)
        return problem_response(error, instance=problems, headers=headers)
    if dpop_nonce:
        headers["DPoP-Nonce"] = await run_in_threadpool(service.dpop_nonce)
    if result is None:
        return Response(status_code=204, headers=headers)
    return JSONResponse(result, status_code=status, headers=headers)


#: How the OAuth endpoints refuse (RFC 6749 §5.2, RFC 6750 §3, RFC 9449 §7): ``{error,
#: error_description}`` as JSON, with ``WWW-Authenticate`` on the protected resources.
OAUTH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    "4XX": {
        "description": "An OAuth error response: {error, error_description}",
        "content": {"application/json": {}},
    },
    **{k: v for k, v in PROBLEM_RESPONSES.items() if k != "4XX"},
}


#: The enrolment endpoints refuse both ways: OAuth JSON for the token and DPoP, problem
#: documents for the rest.
ENROLMENT_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    "4XX": {
        "description": "An OAuth error {error, error_description} for the token and DPoP proof, "
        "an RFC 9457 problem document for the rest",
        "content": {"application/json": {}, **PROBLEM_RESPONSES["4XX"]["content"]},
    },
    **{k: v for k, v in PROBLEM_RESPONSES.items() if k != "4XX"},
}


def _well_known_tail(service: Oid4vciIssuer, tail: str) -> None:
    expected = urlsplit(service.issuer).path.strip("/")
    if tail.strip("/") != expected:
        raise RequestError("request.not_found", "no such metadata here")


@router.get(
    "/.well-known/openid-credential-issuer",
    summary="Credential issuer metadata",
    responses=PROBLEM_RESPONSES,
)
@router.get("/.well-known/openid-credential-issuer/{tail:path}", include_in_schema=False)
async def credential_issuer_metadata(request: Request, tail: str = "") -> JSONResponse:
    service = oid4vci_of(request)
    _well_known_tail(service, tail)
    return JSONResponse(service.issuer_metadata)


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="Authorization server metadata",
    responses=PROBLEM_RESPONSES,
)
@router.get("/.well-known/oauth-authorization-server/{tail:path}", include_in_schema=False)
async def authorization_server_metadata(request: Request, tail: str = "") -> JSONResponse:
    service = oid4vci_of(request)
    _well_known_tail(service, tail)
    return JSONResponse(service.authorization_server_metadata)


@router.get(
    "/oid4vci/offers/{reference}",
    responses=PROBLEM_RESPONSES,
    summary="A credential offer by reference (credential_offer_uri)",
)
async def credential_offer(request: Request, reference: str) -> JSONResponse:
    service = oid4vci_of(request)
    offer = await run_in_threadpool(service.offer, reference)
    return JSONResponse(offer, headers=_NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    """An RFC 6749 form body: URL-encoded, UTF-8, no parameter twice (§3.2)."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != _FORM:
        raise OAuthError("oauth.invalid_request", f"the token request is {_FORM}")
    body = await request.body()
    if len(body) > _MAX_FORM:
        raise OAuthError("oauth.invalid_request", "the token request is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("oauth.invalid_request", "the form body is malformed") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("oauth.invalid_request", f"{name[:40]} is repeated")
        form[name] = value
    return form


@router.post(
    "/oid4vci/token", summary="Token endpoint (pre-authorized code, DPoP)", responses=OAUTH_ERRORS
)
async def token(request: Request) -> Response:
    service = oid4vci_of(request)
    dpop = request.headers.get("dpop")
    try:
        form = await _form(request)
    except OAuthError as error:
        return _oauth_error(error, resource=False, headers=dict(_NO_STORE))
    return await _answer(service, lambda: service.token(form, dpop=dpop), resource=False)


@router.post("/oid4vci/nonce", summary="Nonce endpoint: a fresh c_nonce", responses=OAUTH_ERRORS)
async def nonce(request: Request) -> Response:
    service = oid4vci_of(request)
    # §7.2: the nonce response may carry a DPoP nonce for the next credential request.
    return await _answer(service, service.c_nonce, resource=False)


async def _json(request: Request, code: str) -> Any:
    try:
        return await read_json(request)
    except ShikakuError as exc:
        raise OAuthError(code, f"the body is not a JSON object ({exc.code})") from None


async def _protected(
    request: Request, endpoint: str, work: Callable[[Oid4vciIssuer, Accepted, Any], T]
) -> Response:
    """A protected resource (RFC 9449 §7): the DPoP-bound token first, then ``work``."""
    service = oid4vci_of(request)
    authorization, dpop = request.headers.get("authorization"), request.headers.get("dpop")
    uri = service.endpoints.url(endpoint)
    code = f"oauth.invalid_{endpoint}_request"
    try:
        body = await _json(request, code)
    except OAuthError as error:
        return _oauth_error(error, resource=True, headers=dict(_NO_STORE))

    def run() -> T:
        accepted = service.authorize(authorization, dpop, method="POST", uri=uri)
        return work(service, accepted, body)

    return await _answer(service, run, resource=True)


@router.post(
    "/oid4vci/credential",
    summary="Credential endpoint (DPoP-bound access token)",
    responses=OAUTH_ERRORS,
)
async def credential(request: Request) -> Response:
    return await _protected(request, "credential", Oid4vciIssuer.credential)


@router.post(
    "/oid4vci/notification",
    status_code=204,
    summary="Notification endpoint",
    responses=OAUTH_ERRORS,
)
async def notification(request: Request) -> Response:
    return await _protected(request, "notification", Oid4vciIssuer.notify)


async def _enrolment(
    request: Request,
    endpoint: str,
    work: Callable[[Oid4vciIssuer, Accepted, Any], T],
    *,
    body: bool,
    status: int,
) -> Response:
    """An enrolment endpoint: the DPoP-bound token, then ``work``; refusals as problems."""
    service = oid4vci_of(request)
    if service.enrolment is None:
        raise RequestError("request.not_found", "this board enrols no holder keys here")
    authorization, dpop = request.headers.get("authorization"), request.headers.get("dpop")
    uri = service.endpoints.url(endpoint)
    content = await read_json(request) if body else None

    def run() -> T:
        accepted = service.authorize(authorization, dpop, method="POST", uri=uri)
        return work(service, accepted, content)

    return await _answer(service, run, resource=True, status=status, problems=request.url.path)


@router.post(
    "/oid4vci/enrolment/challenge",
    summary="Enrolment (shikaku): a challenge for the grant's subject's My Number Card",
    responses=ENROLMENT_ERRORS,
)
async def enrolment_challenge(request: Request) -> Response:
    return await _enrolment(
        request, "enrolment/challenge", Oid4vciIssuer.enrolment_challenge, body=False, status=200
    )


@router.post(
    "/oid4vci/enrolment",
    status_code=201,
    summary="Enrolment (shikaku): the card's binding proof enrols the holder key",
    responses=ENROLMENT_ERRORS,
)
async def enrolment(request: Request) -> Response:
    return await _enrolment(request, "enrolment", Oid4vciIssuer.enrol, body=True, status=201)
