"""The board's admin routes: lifecycle orders and register imports.

An authorised operator (an API key with the ``lifecycle:write`` scope) sends one order of
:mod:`issuer.lifecycle_models` — ``{"kind": "suspend", "subject_id": …, "order_id": …, …}`` —
and the board carries it out through :class:`issuer.lifecycle.Lifecycle`: the register's
standing, the status lists (republished), replacements where the order issues them, and the
event log, with the API key's name as the actor. An order sent again with the same
``order_id`` changes nothing twice (``repeated`` says so); the same id with other terms is
``board.event_invalid``. Every refusal is an RFC 9457 problem.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from issuer.http.auth import require_scope
from issuer.http.deps import BoardDep
from issuer.lifecycle import Lifecycle, OrderOutcome
from issuer.lifecycle_models import Order, carry_out
from issuer.register import import_upload
from issuer.settings import ApiKey
from service_kit.http import PROBLEM_RESPONSES, invalid_request, read_json
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
