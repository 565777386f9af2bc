"""The verifier's VC-API routes: challenges, credential and presentation verification, probes.

Every route gets the one :class:`~verifier.service.Verifier` the lifespan built
(:func:`verifier_of`, or ``app.state`` directly for the two verify routes, which
:func:`service_kit.http.direct_route` serves ahead of FastAPI's routing) and reads its body
itself, strictly (:func:`service_kit.http.read_model`).
Verification runs in the thread pool: it is CPU work (canonicalization, signatures) and may
fetch a status list, so it never blocks the event loop. Logs say which route answered what
outcome with which codes; never a nonce, a credential or a certificate.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service_kit.http import PROBLEM_RESPONSES, FastJSONResponse, read_model, request_body
from vc_core.errors import RequestError, ShikakuError
from vc_core.formats import Format, detect_format
from verifier.http.models import (
    ChallengeRequest,
    ChallengeResponse,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    VerifyResponse,
)
from verifier.http.settings import VerifierSettings
from verifier.http.vcapi import Kind, response_of, status_of, unwrap
from verifier.policy import VerifyOptions
from verifier.service import Verifier

__all__ = ["answer_credential", "answer_presentation", "router", "verifier_of"]

log = logging.getLogger("shikaku.verifier.http")
router = APIRouter()


async def verifier_of(request: Request) -> Verifier:
    """The service object the lifespan keeps on ``app.state``.

    ``async`` although it awaits nothing: FastAPI runs a plain ``def`` dependency in the thread
    pool, a hop per request (two with :func:`settings_of`) for reading an attribute."""
    verifier: Verifier = request.app.state.verifier
    return verifier


async def settings_of(request: Request) -> VerifierSettings:
    settings: VerifierSettings = request.app.state.settings
    return settings


VerifierDep = Annotated[Verifier, Depends(verifier_of)]
SettingsDep = Annotated[VerifierSettings, Depends(settings_of)]


def _verify_route(model: type[BaseModel], summary: str) -> dict[str, Any]:
    """How a verify route is documented: 200 verified, 400 not (VC-API), problems otherwise."""
    problem = PROBLEM_RESPONSES["4XX"]["content"]
    not_verified = {
        "model": VerifyResponse,
        "description": "Not verified or could not verify (the verdict), or a malformed request "
        "(an RFC 9457 problem document)",
        "content": problem,
    }
    return {
        "response_model": VerifyResponse,
        "responses": {400: not_verified, **PROBLEM_RESPONSES},
        "openapi_extra": request_body(model),
        "summary": summary,
    }


@router.post(
    "/challenges",
    status_code=201,
    response_model=ChallengeResponse,
    responses=PROBLEM_RESPONSES,
    openapi_extra=request_body(ChallengeRequest, required=False),
    summary="Issue a challenge (nonce) for one presentation",
)
async def challenges(
    request: Request, verifier: VerifierDep, settings: SettingsDep
) -> ChallengeResponse:
    body = await request.body()
    # No body at all asks for a challenge for this verifier; anything else must be the JSON.
    asked = await read_model(request, ChallengeRequest) if body else ChallengeRequest()
    domain = asked.domain or settings.audience
    if domain not in settings.allowed_domains:
        raise RequestError(
            "request.invalid",
            "this verifier issues challenges for its own domains only",
            fields=[{"field": "domain", "problem": "not a domain of this verifier"}],
        )
    nonce = await run_in_threadpool(verifier.challenge, domain)
    log.info("challenge issued for %s", domain)
    return ChallengeResponse(
        challenge=nonce.value, domain=nonce.audience, expires=nonce.expires_at.isoformat()
    )


async def answer_credential(request: Request) -> Response:
    """``POST /credentials/verify``: served by :func:`service_kit.http.direct_route` (the
    route below documents it, and answers the same way should a request reach it)."""
    state = request.app.state
    asked = await read_model(request, VerifyCredentialRequest)
    value = unwrap(asked.verifiable_credential, "credential")
    options = VerifyOptions.of(audience=state.settings.audience, checks=asked.options.checks)
    return await _verify(state.verifier, value, options, "credential", state.verify_pool)


async def answer_presentation(request: Request) -> Response:
    """``POST /presentations/verify``, served as :func:`answer_credential` is."""
    state = request.app.state
    asked = await read_model(request, VerifyPresentationRequest)
    value = unwrap(asked.verifiable_presentation, "presentation")
    options = VerifyOptions.of(
        nonce=asked.options.challenge,
        audience=asked.options.domain or state.settings.audience,
        checks=asked.options.checks,
    )
    return await _verify(state.verifier, value, options, "presentation", state.verify_pool)


@router.post("/credentials/verify", **_verify_route(VerifyCredentialRequest, "Verify a credential"))
async def verify_credential(request: Request) -> Response:
    return await answer_credential(request)


@router.post(
    "/presentations/verify",
    **_verify_route(
        VerifyPresentationRequest, "Verify a presentation (and every credential it carries)"
    ),
)
async def verify_presentation(request: Request) -> Response:
    return await answer_presentation(request)


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=PROBLEM_RESPONSES, summary="Readiness: the database answers")
async def readyz(verifier: VerifierDep) -> dict[str, str]:
    await run_in_threadpool(verifier.ping)
    return {"status": "ready"}


async def _verify(
    verifier: Verifier, value: str | Any, options: VerifyOptions, kind: Kind, pool: Executor
) -> Response:
    _refuse_misrouted(value, kind)
    # On the lifespan's own threads rather than anyio's: handing work to those goes through a
    # queue.Queue and capacity limiter written in Python, whose locking was ~16% of the
    # GIL-holding time of a worker under load (py-spy); an executor's queue is in C.
    result = await asyncio.get_running_loop().run_in_executor(pool, verifier.verify, value, options)
    failed = sorted({c.code for c in result.verdict.checks if c.ok is False and c.code})
    log.info("%s %s: %s %s", kind, result.format, result.outcome, failed)
    return FastJSONResponse(response_of(result), status_code=status_of(result))


def _refuse_misrouted(value: Any, kind: Kind) -> None:
    """A presentation sent to /credentials/verify (or a bare credential to
    /presentations/verify) is the caller's mistake. SD-JWT forms go to either: with a KB-JWT
    they are presented, and the pipeline tells which.
    """
    try:
        form = detect_format(value)
    except ShikakuError:
        return  # The pipeline reports a form it cannot read as a failed format check.
    if kind == "credential" and form in (Format.LDP_VP, Format.VP_JWT):
        raise RequestError("request.invalid", f"a {form} goes to /presentations/verify")
    if kind == "presentation" and form in (Format.LDP_VC, Format.VC_JWT):
        raise RequestError("request.invalid", f"a {form} goes to /credentials/verify")
