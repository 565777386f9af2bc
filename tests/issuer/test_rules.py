"""The status registry's lifecycle rules on plain data, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.status.messages import ReasonCode
from issuer.status.records import Schedule
from issuer.status.rules import (
    Entry,
    ValueOf,
    active_schedule,
    allocation_purposes,
    cancelled_end,
    cause_of,
    changes_needed,
    due_marks,
    reconcile_settings,
    refuse_if_all_revoked,
    revocation_settings,
    suspension_start,
)
from vc_core.errors import StatusError

T0 = datetime(2025, 4, 1, tzinfo=UTC)


def _entries(credential: str, subject: str | None, purposes: tuple[str, ...]) -> list[Entry]:
    return [Entry(credential, subject, p, list_id, 10) for list_id, p in enumerate(purposes, 1)]


def _values(values: dict[tuple[str, str], int]) -> ValueOf:
    return lambda entry: values.get((entry.credential_id, entry.purpose), 0)


def _window(
    number: int,
    target: tuple[str | None, str | None],
    code: int,
    starts_at: datetime,
    ends_at: datetime | None,
) -> Schedule:
    """A suspension of a credential ``(id, None)`` or a subject ``(None, id)``."""
    return Schedule(number, *target, code, starts_at, ends_at, "test", "test", "tester")


def test_a_cause_needs_every_part() -> None:
    cause = cause_of("revoke", reason="死亡", legal_basis="医師法第6条", actor="mhlw")
    assert (cause.action, cause.reason, cause.schedule_id) == ("revoke", "死亡", None)
    with pytest.raises(StatusError) as caught:
        cause_of("revoke", reason=" ", legal_basis="", actor="mhlw")
    assert caught.value.code == "status.cause_invalid"
    assert "reason, legal_basis" in caught.value.message


def test_purposes_are_allocated_in_locking_order() -> None:
    assert allocation_purposes(["message", "revocation", "message"]) == ("revocation", "message")
    with pytest.raises(StatusError) as caught:
        allocation_purposes(["revocation", "expiry"])
    assert caught.value.code == "status.purpose_not_enabled"


def test_revocation_sets_the_bit_and_the_reason_once() -> None:
    fresh = _entries("c1", "s", ("revocation", "suspension", "message"))
    revoked = _entries("c2", "s", ("revocation", "message"))
    values = _values({("c2", "revocation"): 1, ("c2", "message"): 3})
    settings = revocation_settings(fresh + revoked, values, ReasonCode.DECEASED)
    assert [(e.credential_id, e.purpose, v) for e, v in settings] == [
        ("c1", "revocation", 1),
        ("c1", "message", 4),
    ]
    with pytest.raises(StatusError) as caught:
        revocation_settings(_entries("c3", None, ("suspension",)), values, ReasonCode.REVOKED)
    assert caught.value.code == "status.purpose_not_enabled"


def test_only_a_wholly_revoked_target_is_beyond_suspension() -> None:
    both = _entries("c1", "s", ("revocation",)) + _entries("c2", "s", ("revocation",))
    refuse_if_all_revoked(both, _values({("c1", "revocation"): 1}))
    with pytest.raises(StatusError) as caught:
        refuse_if_all_revoked(both, _values({("c1", "revocation"): 1, ("c2", "revocation"): 1}))
    assert caught.value.code == "status.revocation_irreversible"


def test_a_suspension_ends_after_it_starts_and_after_now() -> None:
    assert suspension_start(None, T0 + timedelta(days=1), T0) == T0
    for starts, ends in ((T0, T0), (None, T0 - timedelta(days=1)), (T0 - timedelta(days=9), T0)):
        with pytest.raises(StatusError) as caught:
            suspension_start(starts, ends, T0)
        assert caught.value.code == "status.schedule_invalid"
    with pytest.raises(StatusError):
        suspension_start(datetime(2025, 4, 2), None, T0)  # A naive time is refused.


def test_reinstatement_ends_current_and_empties_future_suspensions() -> None:
    assert cancelled_end(T0 - timedelta(days=1), T0) == T0
    assert cancelled_end(T0 + timedelta(days=1), T0) == T0 + timedelta(days=1)


def test_due_marks_only_move_forward() -> None:
    end = T0 + timedelta(days=2)
    assert due_marks(False, False, T0, end, T0 - timedelta(seconds=1)) == (False, False)
    assert due_marks(False, False, T0, end, T0) == (True, False)
    assert due_marks(True, False, T0, end, end) == (True, True)
    assert due_marks(True, True, T0, end, T0) == (True, True)
    assert due_marks(False, False, T0, None, end) == (True, False)


def test_the_earliest_active_schedule_of_credential_or_subject_wins() -> None:
    windows = [
        _window(1, (None, "s"), 2, T0 + timedelta(days=1), None),
        _window(2, ("c1", None), 1, T0, T0 + timedelta(days=3)),
        _window(3, ("c9", None), 1, T0 - timedelta(days=5), None),
        _window(4, (None, "other"), 1, T0 - timedelta(days=5), None),
    ]
    assert active_schedule(windows, "c1", "s", T0) == windows[1]
    assert active_schedule(windows, "c1", "s", T0 + timedelta(days=3)) == windows[0]
    assert active_schedule(windows, "c2", "s", T0) is None
    assert active_schedule(windows, "c2", None, T0 + timedelta(days=9)) is None


_moments = st.integers(min_value=-10, max_value=10).map(lambda d: T0 + timedelta(days=d))


@st.composite
def _windows(draw: st.DrawFn) -> list[Schedule]:
    found = []
    for number in range(draw(st.integers(min_value=0, max_value=5))):
        starts = draw(_moments)
        length = draw(st.none() | st.integers(min_value=1, max_value=8))
        ends = None if length is None else starts + timedelta(days=length)
        target = draw(st.sampled_from([("c1", None), ("c2", None), (None, "s")]))
        code = draw(st.sampled_from([1, 2]))
        found.append(_window(number, target, code, starts, ends))
    return found


@given(
    windows=_windows(),
    now=_moments,
    revoked=st.booleans(),
    values=st.dictionaries(st.sampled_from(["suspension", "message"]), st.integers(0, 7)),
)
def test_reconciling_sets_exactly_what_the_schedules_say_and_then_rests(
    windows: list[Schedule], now: datetime, revoked: bool, values: dict[str, int]
) -> None:
    entries = _entries("c1", "s", ("revocation", "suspension", "message"))
    state = {("c1", p): v for p, v in values.items()} | {("c1", "revocation"): int(revoked)}
    settings = reconcile_settings(entries, windows, _values(state), now)
    for entry, old, new in changes_needed(settings, _values(state)):
        assert state.get((entry.credential_id, entry.purpose), 0) == old
        state[(entry.credential_id, entry.purpose)] = new
    active = [
        w
        for w in windows
        if (w.credential_id == "c1" or w.subject_id == "s")
        and w.starts_at <= now
        and (w.ends_at is None or now < w.ends_at)
    ]
    assert state.get(("c1", "suspension"), 0) == (1 if active else 0)
    if not revoked:
        first = min(active, key=lambda w: (w.starts_at, w.id), default=None)
        assert state.get(("c1", "message"), 0) == (first.code if first else 0)
    # A second pass changes nothing: a repeated tick converges.
    again = reconcile_settings(entries, windows, _values(state), now)
    assert changes_needed(again, _values(state)) == []
