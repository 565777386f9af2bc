"""業務停止 / 医業停止 / 名称使用停止: scheduled suspensions of a subject's every instance,
applied on the first day and lifted on the end day by the scheduler; reinstatement and a
court's stay (執行停止). The published lists are read back and decoded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from issuer.board import Board
from issuer.lifecycle import Lifecycle, LifecycleScheduler, OrderOutcome, jst_moment
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
from vc_core.clock import FixedClock
from vc_core.errors import BoardError

START, END = date(2026, 7, 1), date(2026, 10, 1)


def _suspend(
    lifecycle: Lifecycle, order_id: str = "mhlw-2026-0001", **changes: Any
) -> OrderOutcome:
    arguments: dict[str, Any] = {
        "starts": START,
        "ends": END,
        "legal_basis": BASIS,
        "actor": ACTOR,
        "order_id": order_id,
        **changes,
    }
    return lifecycle.suspend(SUBJECT, **arguments)


def test_a_scheduled_suspension_is_applied_on_its_first_day_and_lifted_on_its_end_day(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    one = first_issue(board)
    two = first_issue(board, form="ecdsa-rdfc-2019", name="di")
    other = first_issue(board, OTHER)
    outcome = lifecycle.suspend(
        SUBJECT, starts=START, ends=END, legal_basis=BASIS, actor=ACTOR, order_id="o-1"
    )
    assert outcome.schedule is not None and outcome.changes == ()
    assert published(board, one.credential_id, "suspension") == 0  # Not begun.
    scheduler = LifecycleScheduler(board, interval=60)
    clock.set(jst_moment(START) - timedelta(seconds=1))
    assert scheduler.run_once().report.changes == ()
    clock.set(jst_moment(START))
    round_ = scheduler.run_once()
    assert {c.credential_id for c in round_.report.changes} == {
        one.credential_id,
        two.credential_id,
    }
    for instance in (one, two):
        assert published(board, instance.credential_id, "suspension") == 1
        assert published_token(board, instance.credential_id, "suspension") == 2  # SUSPENDED
        assert published(board, instance.credential_id, "message") == ReasonCode.SUSPENDED
        assert published(board, instance.credential_id, "revocation") == 0
    assert published(board, other.credential_id, "suspension") == 0
    assert scheduler.run_once().report.changes == ()  # Ticking again changes nothing.
    clock.set(jst_moment(END))
    scheduler.run_once()
    for instance in (one, two):
        assert published(board, instance.credential_id, "suspension") == 0
        assert published_token(board, instance.credential_id, "suspension") == 0
        assert published(board, instance.credential_id, "message") == 0
    audit = board.registry.audit_log(credential_id=one.credential_id)
    assert [(a.action, a.purpose, a.new_value) for a in audit if a.action == "tick"] == [
        ("tick", "suspension", 1),
        ("tick", "message", 1),
        ("tick", "suspension", 0),
        ("tick", "message", 0),
    ]
    assert all(a.legal_basis == BASIS for a in audit if a.action == "tick")


def test_the_order_is_logged_with_its_basis_code_and_dates_and_no_free_text(
    board: Board, lifecycle: Lifecycle
) -> None:
    first_issue(board)
    _suspend(lifecycle, code=ReasonCode.NAME_USE_SUSPENDED)
    [event] = lifecycle_events(board)
    assert (event.action, event.actor, event.legal_basis, event.reason_code) == (
        "lifecycle.suspended",
        ACTOR,
        BASIS,
        2,
    )
    assert event.details["from"] == "2026-07-01" and event.details["until"] == "2026-10-01"
    assert event.details["orderId"] == "mhlw-2026-0001"
    assert set(event.details) == {"orderId", "order", "from", "until", "scheduleId"}
    [schedule_line] = [
        a for a in board.registry.audit_log(subject_id=SUBJECT) if a.action == "schedule"
    ]
    assert schedule_line.legal_basis == BASIS and schedule_line.new_value == 2


def test_a_suspension_that_has_begun_applies_at_once_and_is_published(
    board: Board, lifecycle: Lifecycle
) -> None:
    instance = first_issue(board)
    outcome = _suspend(lifecycle, starts=date(2026, 5, 20), ends=None)
    assert {c.purpose for c in outcome.changes} == {"suspension", "message"}
    assert published(board, instance.credential_id, "suspension") == 1
    assert published_token(board, instance.credential_id, "suspension") == 2


def test_instances_issued_while_suspended_start_suspended(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    first_issue(board)
    _suspend(lifecycle)
    clock.set(jst_moment(START) + timedelta(days=3))
    LifecycleScheduler(board).run_once()
    later = first_issue(board, name="later")
    assert board.registry.status(later.credential_id)["suspension"] == 1
    assert published(board, later.credential_id, "suspension") == 1
    clock.set(jst_moment(END))
    LifecycleScheduler(board).run_once()
    assert published(board, later.credential_id, "suspension") == 0


def test_a_subject_with_no_instance_yet_is_suspended_ahead_of_its_first(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    outcome = _suspend(lifecycle, starts=date(2026, 5, 1))
    assert outcome.schedule is not None
    first = first_issue(board)
    assert board.registry.status(first.credential_id)["suspension"] == 1
    assert published(board, first.credential_id, "message") == ReasonCode.SUSPENDED
    clock.set(jst_moment(END))
    LifecycleScheduler(board).run_once()
    assert published(board, first.credential_id, "suspension") == 0


def test_a_retried_order_does_nothing_twice(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    once = _suspend(lifecycle, starts=date(2026, 5, 1))
    again = _suspend(lifecycle, starts=date(2026, 5, 1))
    assert again.repeated and not once.repeated
    assert again.schedule == once.schedule
    assert len(board.registry.schedules(subject_id=SUBJECT)) == 1
    assert len(lifecycle_events(board)) == 1


def test_an_interrupted_order_is_finished_by_its_retry(board: Board, lifecycle: Lifecycle) -> None:
    """The schedule was made, then the process died before the event: the retry finds the
    schedule by its order and logs the event once."""
    first_issue(board)
    real_log = board.store.log
    board.store.log = lambda event: (_ for _ in ()).throw(RuntimeError("killed"))  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        _suspend(lifecycle)
    board.store.log = real_log  # type: ignore[method-assign]
    assert lifecycle_events(board) == []
    outcome = _suspend(lifecycle)
    assert not outcome.repeated
    assert len(board.registry.schedules(subject_id=SUBJECT)) == 1
    assert len(lifecycle_events(board)) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ends": date(2026, 6, 30)}, "board.event_invalid"),  # Ends before it starts.
        ({"starts": date(2026, 3, 1), "ends": date(2026, 4, 1)}, "board.event_invalid"),  # Over.
        ({"legal_basis": "  "}, "board.event_invalid"),
        ({"actor": ""}, "board.event_invalid"),
        ({"code": 3}, "board.event_invalid"),  # A revocation code.
        ({"code": 9}, "board.event_invalid"),
        ({"order_id": "no spaces allowed"}, "board.event_invalid"),
        ({"starts": datetime(2026, 7, 1)}, "board.event_invalid"),
    ],
)
def test_a_bad_order_is_refused_and_changes_nothing(
    board: Board, lifecycle: Lifecycle, changes: dict[str, Any], code: str
) -> None:
    instance = first_issue(board)
    before = board.registry.audit_log()
    with pytest.raises(BoardError) as refused:
        _suspend(lifecycle, **changes)
    assert refused.value.code == code
    assert board.registry.schedules() == ()
    assert board.registry.audit_log() == before
    assert lifecycle_events(board) == []
    assert board.registry.status(instance.credential_id)["suspension"] == 0


def test_an_unknown_subject_is_refused(lifecycle: Lifecycle) -> None:
    with pytest.raises(BoardError) as refused:
        lifecycle.suspend(
            "kangoshi:0000000", starts=START, ends=END, legal_basis=BASIS, actor=ACTOR, order_id="x"
        )
    assert refused.value.code == "board.record_unknown"


def test_the_same_order_id_with_other_contents_is_refused(
    board: Board, lifecycle: Lifecycle
) -> None:
    first_issue(board)
    _suspend(lifecycle)
    with pytest.raises(BoardError) as refused:
        _suspend(lifecycle, ends=date(2026, 12, 1))
    assert refused.value.code == "board.event_invalid"
    assert len(board.registry.schedules(subject_id=SUBJECT)) == 1


def test_a_revoked_licence_cannot_be_suspended(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    with pytest.raises(BoardError) as refused:
        _suspend(lifecycle)
    assert refused.value.code == "board.event_invalid"
    assert board.registry.schedules() == ()


# -- reinstatement and a court's stay ---------------------------------------------------------


def test_reinstatement_lifts_a_current_suspension_now(board: Board, lifecycle: Lifecycle) -> None:
    instance = first_issue(board)
    _suspend(lifecycle, starts=date(2026, 5, 1))
    assert published(board, instance.credential_id, "suspension") == 1
    outcome = lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-1")
    assert {c.new_value for c in outcome.changes} == {0}
    assert published(board, instance.credential_id, "suspension") == 0
    assert published(board, instance.credential_id, "message") == 0
    assert lifecycle_events(board)[-1].action == "lifecycle.reinstated"
    audit = board.registry.audit_log(credential_id=instance.credential_id)
    assert audit[-1].action == "reinstate" and audit[-1].legal_basis == BASIS
    again = lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-1")
    assert again.repeated and len(lifecycle_events(board)) == 2
    with pytest.raises(BoardError) as refused:  # Nothing left to lift.
        lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-2")
    assert refused.value.code == "board.event_invalid"


def test_reinstatement_cancels_a_suspension_that_has_not_begun(
    board: Board, lifecycle: Lifecycle, clock: FixedClock
) -> None:
    instance = first_issue(board)
    _suspend(lifecycle)
    lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-1")
    clock.set(jst_moment(START) + timedelta(days=1))
    LifecycleScheduler(board).run_once()
    assert published(board, instance.credential_id, "suspension") == 0


def test_a_stay_ends_the_stayed_suspension_only(board: Board, lifecycle: Lifecycle) -> None:
    instance = first_issue(board)
    _suspend(lifecycle, "first", starts=date(2026, 5, 1), ends=date(2026, 8, 1))
    _suspend(lifecycle, "second", starts=date(2026, 9, 1), ends=date(2026, 12, 1))
    outcome = lifecycle.stay(
        SUBJECT,
        stayed_order_id="first",
        legal_basis="行政事件訴訟法第25条",
        actor="court",
        order_id="stay-1",
    )
    assert published(board, instance.credential_id, "suspension") == 0
    assert outcome.event.details["stayedOrder"] == "first"
    open_ = [
        s
        for s in board.registry.schedules(subject_id=SUBJECT)
        if s.ends_at is not None and s.ends_at > board.clock()
    ]
    assert [s.reason.endswith("[order second]") for s in open_] == [True]


def test_a_stay_of_a_revocation_gives_new_credentials(board: Board, lifecycle: Lifecycle) -> None:
    old = first_issue(board)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    outcome = lifecycle.stay(
        SUBJECT,
        stayed_order_id="r-1",
        legal_basis="行政事件訴訟法第25条",
        actor="court",
        order_id="stay-1",
    )
    assert outcome.standing == "registered"
    [new] = outcome.issued
    assert new.credential_id != old.credential_id and new.form == old.form
    assert published(board, new.credential_id, "revocation") == 0
    assert published(board, old.credential_id, "revocation") == 1  # Irreversible.


def test_a_stay_of_an_unknown_order_is_refused(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    with pytest.raises(BoardError) as refused:
        lifecycle.stay(
            SUBJECT, stayed_order_id="nope", legal_basis=BASIS, actor="court", order_id="s"
        )
    assert refused.value.code == "board.event_invalid"
    assert lifecycle_events(board) == []


def test_an_interrupted_reinstatement_is_finished_by_its_retry(
    board: Board, lifecycle: Lifecycle
) -> None:
    instance = first_issue(board)
    _suspend(lifecycle, starts=date(2026, 5, 1))
    real_log = board.store.log
    board.store.log = lambda event: (_ for _ in ()).throw(RuntimeError("killed"))  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-1")
    board.store.log = real_log  # type: ignore[method-assign]
    assert board.registry.status(instance.credential_id)["suspension"] == 0
    outcome = lifecycle.reinstate(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="lift-1")
    assert not outcome.repeated and outcome.event.details["schedules"] == [
        s.id for s in board.registry.schedules(subject_id=SUBJECT)
    ]
    unscheduled = [
        a for a in board.registry.audit_log(subject_id=SUBJECT) if a.action == "unschedule"
    ]
    assert len(unscheduled) == 1 and unscheduled[0].legal_basis == BASIS
    assert len(lifecycle_events(board)) == 2
