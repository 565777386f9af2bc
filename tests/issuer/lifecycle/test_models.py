"""The orders as request bodies: checked shapes, and carried out on the board."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from issuer.board import Board
from issuer.lifecycle import Lifecycle
from issuer.lifecycle_models import Order, RevokeOrder, SuspendOrder, carry_out
from tests.issuer.lifecycle.conftest import ACTOR, BASIS, SUBJECT, first_issue, published
from vc_core.keys import generate_key, public_jwk

ORDERS: TypeAdapter[Any] = TypeAdapter(Order)


def test_a_suspension_body_is_checked_and_carried_out(board: Board, lifecycle: Lifecycle) -> None:
    instance = first_issue(board)
    order = ORDERS.validate_python(
        {
            "kind": "suspend",
            "order_id": "mhlw-2026-0001",
            "subject_id": SUBJECT,
            "starts": "2026-05-01",
            "ends": "2026-09-01",
            "legal_basis": BASIS,
        }
    )
    assert isinstance(order, SuspendOrder)
    outcome = carry_out(lifecycle, order, actor=ACTOR)
    assert outcome.event.actor == ACTOR
    assert published(board, instance.credential_id, "suspension") == 1


def test_every_order_kind_runs(board: Board, lifecycle: Lifecycle) -> None:
    old = first_issue(board, holder=generate_key("p256"))
    jwk = public_jwk(generate_key("p256").public_key)
    bodies: list[dict[str, Any]] = [
        {"kind": "suspend", "subject_id": SUBJECT, "starts": "2026-05-01", "legal_basis": BASIS},
        {"kind": "reinstate", "subject_id": SUBJECT, "legal_basis": BASIS},
        {
            "kind": "rename",
            "subject_id": SUBJECT,
            "changes": {"given_name": "新"},
            "legal_basis": BASIS,
        },
        {"kind": "renew_binding", "subject_id": SUBJECT, "mode": "wallet", "jwk": jwk},
        {"kind": "revoke", "subject_id": SUBJECT, "legal_basis": BASIS},
        {"kind": "stay", "subject_id": SUBJECT, "stayed_order_id": "o-4", "legal_basis": BASIS},
        {"kind": "revoke", "subject_id": SUBJECT, "code": 5, "legal_basis": BASIS},
        {"kind": "relicense", "subject_id": SUBJECT, "legal_basis": BASIS},
        {"kind": "death", "subject_id": SUBJECT, "legal_basis": BASIS},
    ]
    actions = []
    for n, body in enumerate(bodies):
        outcome = carry_out(
            lifecycle, ORDERS.validate_python({**body, "order_id": f"o-{n}"}), actor=ACTOR
        )
        actions.append(outcome.action)
    assert actions == [
        "lifecycle.suspended",
        "lifecycle.reinstated",
        "lifecycle.renamed",
        "lifecycle.binding_renewed",
        "lifecycle.revoked",
        "lifecycle.stayed",
        "lifecycle.revoked",
        "lifecycle.relicensed",
        "lifecycle.deceased",
    ]
    assert board.registry.status(old.credential_id)["revocation"] == 1
    events = [e for e in board.store.iter_events(subject_id=SUBJECT) if e.action in actions]
    assert [e.details["orderId"] for e in events] == [f"o-{n}" for n in range(len(bodies))]
    assert all(e.actor == ACTOR and e.legal_basis for e in events)
    audited = {
        (line.reason or "").rsplit("[order ", 1)[-1].rstrip("]")
        for line in board.registry.audit_log(subject_id=SUBJECT)
        if line.action != "allocate"
    }
    # Every order that changed status is in the registry's audit log, under its own id (the
    # wallet-mode renewal and the stay of a revocation, which issued anew, changed none).
    assert {"o-0", "o-1", "o-2", "o-4", "o-6", "o-8"} <= audited


def test_a_replacement_body_names_the_new_key(board: Board, lifecycle: Lifecycle) -> None:
    old = first_issue(board, holder=generate_key("p256"))
    jwk = public_jwk(generate_key("p256").public_key)
    order = ORDERS.validate_python(
        {"kind": "replace", "order_id": "dev-1", "credential_id": old.credential_id, "jwk": jwk}
    )
    [new] = carry_out(lifecycle, order, actor="holder").issued
    assert new.holder_key is not None and '"x":"' + jwk["x"] in new.holder_key


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "revoke", "order_id": "r", "subject_id": SUBJECT},  # No legal basis.
        {"kind": "revoke", "order_id": "r r", "subject_id": SUBJECT, "legal_basis": BASIS},
        {"kind": "revoke", "order_id": "r", "subject_id": SUBJECT, "legal_basis": BASIS, "code": 6},
        {
            "kind": "revoke",
            "order_id": "r",
            "subject_id": SUBJECT,
            "legal_basis": BASIS,
            "why": "x",
        },
        {"kind": "suspend", "order_id": "s", "subject_id": SUBJECT, "legal_basis": BASIS},
        {"kind": "explode", "order_id": "s"},
    ],
)
def test_a_malformed_body_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ORDERS.validate_python(body)


def test_models_name_their_kind() -> None:
    assert RevokeOrder(order_id="r", subject_id=SUBJECT, legal_basis=BASIS).kind == "revoke"
