"""免許取消 / 登録取消 and death: every instance revoked in the published lists (W3C and
token), the standing moved, later issuance refused; retried orders do nothing twice."""

from __future__ import annotations

import pytest

from issuer.board import Board
from issuer.lifecycle import Lifecycle, issuable
from issuer.status.messages import ReasonCode
from tests.issuer.lifecycle.conftest import (
    ACTOR,
    BASIS,
    OTHER,
    SUBJECT,
    first_issue,
    lifecycle_events,
    published,
    published_token,
)
from vc_core.errors import BoardError


def test_a_revocation_revokes_every_instance_and_ends_issuance(
    board: Board, lifecycle: Lifecycle
) -> None:
    one = first_issue(board)
    two = first_issue(board, form="ecdsa-rdfc-2019", name="di")
    other = first_issue(board, OTHER)
    outcome = lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    assert outcome.standing == "revoked"
    for instance in (one, two):
        assert published(board, instance.credential_id, "revocation") == 1
        assert published_token(board, instance.credential_id, "revocation") == 1
        assert published(board, instance.credential_id, "message") == ReasonCode.REVOKED
    assert published(board, other.credential_id, "revocation") == 0
    stored = board.store.record(SUBJECT)
    assert stored is not None and stored.standing == "revoked"
    with pytest.raises(BoardError) as refused:
        issuable(stored)
    assert refused.value.code == "board.not_issuable"
    assert issuable(board.store.record(OTHER)).license_number == "7000002"
    [event] = lifecycle_events(board)
    assert (event.action, event.legal_basis, event.reason_code) == ("lifecycle.revoked", BASIS, 3)
    audit = board.registry.audit_log(subject_id=SUBJECT)
    assert {(a.credential_id, a.purpose) for a in audit if a.action == "revoke"} == {
        (one.credential_id, "revocation"),
        (one.credential_id, "message"),
        (two.credential_id, "revocation"),
        (two.credential_id, "message"),
    }
    assert all(a.legal_basis == BASIS for a in audit if a.action == "revoke")


def test_a_retried_revocation_does_nothing_twice(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    audit = board.registry.audit_log()
    again = lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    assert again.repeated and again.changes == ()
    assert board.registry.audit_log() == audit
    assert len(lifecycle_events(board)) == 1
    with pytest.raises(BoardError) as refused:  # A second order: the licence is revoked already.
        lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-2")
    assert refused.value.code == "board.event_invalid"


def test_an_erasure_on_application_carries_its_code_and_standing(
    board: Board, lifecycle: Lifecycle
) -> None:
    instance = first_issue(board)
    outcome = lifecycle.revoke(
        SUBJECT, code=ReasonCode.ERASED_ON_APPLICATION, legal_basis=BASIS, actor=ACTOR, order_id="e"
    )
    assert outcome.standing == "erased"
    assert published(board, instance.credential_id, "message") == 5


def test_a_subject_never_issued_is_revoked_by_its_standing(
    board: Board, lifecycle: Lifecycle
) -> None:
    outcome = lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    assert outcome.changes == () and outcome.standing == "revoked"
    with pytest.raises(BoardError):
        issuable(board.store.record(SUBJECT))


@pytest.mark.parametrize(
    ("subject", "arguments", "code"),
    [
        ("kangoshi:0000000", {}, "board.record_unknown"),
        (SUBJECT, {"code": 6}, "board.event_invalid"),  # Superseded is not an order's code.
        (SUBJECT, {"code": 1}, "board.event_invalid"),
        (SUBJECT, {"legal_basis": ""}, "board.event_invalid"),
        (SUBJECT, {"order_id": ""}, "board.event_invalid"),
    ],
)
def test_a_bad_revocation_is_refused_and_changes_nothing(
    board: Board, lifecycle: Lifecycle, subject: str, arguments: dict[str, object], code: str
) -> None:
    instance = first_issue(board)
    given: dict[str, object] = {"legal_basis": BASIS, "actor": ACTOR, "order_id": "r-1"}
    with pytest.raises(BoardError) as refused:
        lifecycle.revoke(subject, **{**given, **arguments})  # type: ignore[arg-type]
    assert refused.value.code == code
    assert board.registry.status(instance.credential_id)["revocation"] == 0
    stored = board.store.record(SUBJECT)
    assert stored is not None and stored.standing == "registered"
    assert lifecycle_events(board) == []


def test_death_revokes_with_its_reason_and_standing(board: Board, lifecycle: Lifecycle) -> None:
    instance = first_issue(board)
    outcome = lifecycle.record_death(
        SUBJECT, legal_basis="住民基本台帳法第8条", actor="jyuki", order_id="d-1"
    )
    assert outcome.standing == "deceased"
    assert published(board, instance.credential_id, "revocation") == 1
    assert published(board, instance.credential_id, "message") == ReasonCode.DECEASED
    [event] = lifecycle_events(board)
    assert (event.action, event.reason_code) == ("lifecycle.deceased", 4)
    assert lifecycle.record_death(
        SUBJECT, legal_basis="住民基本台帳法第8条", actor="jyuki", order_id="d-1"
    ).repeated
    with pytest.raises(BoardError) as refused:
        lifecycle.record_death(
            SUBJECT, legal_basis="住民基本台帳法第8条", actor="jyuki", order_id="d-2"
        )
    assert refused.value.code == "board.event_invalid"


def test_death_after_a_revocation_moves_the_standing_only(
    board: Board, lifecycle: Lifecycle
) -> None:
    instance = first_issue(board)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    outcome = lifecycle.record_death(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="d-1")
    assert outcome.changes == () and outcome.standing == "deceased"
    assert published(board, instance.credential_id, "message") == ReasonCode.REVOKED
