"""The board's admin routes: lifecycle orders, register imports and credential offers.

An authorised operator (an API key with the ``lifecycle:write`` scope) sends one order of
:mod:`issuer.lifecycle_models` — ``{"kind": "suspend", "subject_id": …, "order_id": …, …}`` —
and the board carries it out through :class:`issuer.lifecycle.Lifecycle`: the register's
standing, the status lists (republished), replacements where the order issues them, and the
event log, with the API key's name as the actor. An order sent again with the same
``order_id`` changes nothing twice (``repeated`` says so); the same id with other terms is
``board.event_invalid``. Every refusal is an RFC 9457 problem.

``POST /admin/offers`` (an API key with the ``issue`` scope) makes an OpenID4VCI 1.0 credential
offer for one register subject (:meth:`issuer.oid4vci.Oid4vciIssuer.create_offer`). The body is
:class:`issuer.http.models.OfferRequest` — ``{"subject_id", "configuration_ids"?, "tx_code"?}``;
without ``configuration_ids`` the subject's qualification is offered as an SD-JWT VC only — and
the answer is 201::

    {"offer_uri": "openid-credential-offer://?credential_offer_uri=<url-encoded>",
     "credential_offer_uri": "<public_url>/oid4vci/offers/<reference>",
     "tx_code": "123456" | null, "expires_at": "<ISO 8601>", "grant_id": "<hex>",
     "subject_id": "...", "configuration_ids": [...]}

The offer goes to the holder's wallet (a QR code, a link); the transaction code reaches her
another way (a letter, the board's portal), never with the offer. The answer is not cached
(``Cache-Control: no-store``). Refusals: ``board.record_unknown`` (404), ``board.not_issuable``
(409), ``request.invalid`` (400) for a configuration that is not the subject's qualification.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from issuer.http.auth import require_scope
from issuer.http.deps import BoardDep
from issuer.http.models import OfferRequest
from issuer.http.oid4vci import oid4vci_of
from issuer.lifecycle import Lifecycle, OrderOutcome
from issuer.lifecycle_models import Order, carry_out
from issuer.register import import_upload
from issuer.settings import ApiKey
from service_kit.http import (
    PROBLEM_RESPONSES,
    invalid_request,
    read_json,
    read_model,
    request_body,
)
from vc_core.errors import RequestError

__all__ = ["router"]

log = logging.getLogger("shikaku.issuer.http")
router = APIRouter()

LifecycleKey = Annotated[ApiKey, Depends(require_scope("lifecycle:write"))]
_ORDER: TypeAdapter[Order] = TypeAdapter(Order)


def outcome_json(outcome: OrderOutcome) -> dict[str, Any]:
    """What an order did, as the route answers it (ids and codes; never personal data)."""
    return {
        "order_id": outcome.order_id,
        "action": outcome.action,
        "subject_id": outcome.subject_id,
        "standing": outcome.standing,
        "repeated": outcome.repeated,
        "changes": len(outcome.changes),
        "issued": [instance.credential_id for instance in outcome.issued],
        "superseded": list(outcome.superseded),
    }


@router.post(
    "/admin/lifecycle",
    responses=PROBLEM_RESPONSES,
    summary="Carry out a lifecycle order (suspend, revoke, death, rename, …)",
)
async def lifecycle_order(request: Request, board: BoardDep, key: LifecycleKey) -> dict[str, Any]:
    order = _parse(await read_json(request))
    outcome = await run_in_threadpool(
        carry_out, Lifecycle(board), order, actor=f"api-key:{key.name}"
    )
    log.info("lifecycle %s %s by %s", outcome.action, outcome.order_id, key.name)
    return outcome_json(outcome)


def _parse(body: Any) -> Order:
    """The order ``body`` names by its ``kind``, or ``request.invalid`` naming the fields."""
    try:
        return _ORDER.validate_python(body)
    except ValidationError as exc:
        raise invalid_request(exc.errors(include_input=False, include_url=False)) from None


RegisterKey = Annotated[ApiKey, Depends(require_scope("register:write"))]
_EXPORT_TYPES: Final = {
    "text/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
}


@router.post(
    "/admin/register/import",
    responses=PROBLEM_RESPONSES,
    summary="Import a register export (CSV or JSON Lines) as new and changed records",
)
async def register_import(
    request: Request, board: BoardDep, key: RegisterKey, profile: str | None = None
) -> dict[str, Any]:
    """The body is the export itself (``text/csv`` or ``application/jsonl``), streamed to a
    temporary file; a changed record (a new name) reissues its holder's credentials."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    form = _EXPORT_TYPES.get(media)
    if form is None:
        raise RequestError("request.media_type", "send text/csv or application/jsonl")
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)
        answer = await run_in_threadpool(
            import_upload,
            board,
            body,
            format=form,  # type: ignore[arg-type]
            profile=profile,
            actor=f"api-key:{key.name}",
            on_changed=Lifecycle(board).on_record_changed,
        )
    log.info("register import by %s: %s", key.name, {k: answer.get(k) for k in ("read", "new")})
    return answer


IssueKey = Annotated[ApiKey, Depends(require_scope("issue"))]


@router.post(
    "/admin/offers",
    status_code=201,
    responses=PROBLEM_RESPONSES,
    openapi_extra=request_body(OfferRequest),
    summary="Make an OpenID4VCI credential offer for a register subject",
)
async def credential_offer(request: Request, key: IssueKey) -> JSONResponse:
    asked = await read_model(request, OfferRequest)
    service = oid4vci_of(request)
    created = await run_in_threadpool(
        service.create_offer,
        asked.subject_id,
        asked.configuration_ids,
        tx_code=asked.tx_code,
        actor=f"api-key:{key.name}",
    )
    log.info("offer %s made by %s", created.grant_id, key.name)
    return JSONResponse(created.to_json(), status_code=201, headers={"Cache-Control": "no-store"})
