"""The board's admin routes for lifecycle orders: ``POST /admin/lifecycle``.

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
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from issuer.http.auth import require_scope
from issuer.http.deps import BoardDep
from issuer.lifecycle import Lifecycle, OrderOutcome
from issuer.lifecycle_models import Order, carry_out
from issuer.settings import ApiKey
from service_kit.http import PROBLEM_RESPONSES, invalid_request, read_json

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
