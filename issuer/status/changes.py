"""The status registry's changes in SQL: read entries and schedules, lock lists, write bits.

The rules of :mod:`issuer.status.rules` decide what changes; these functions fetch what they
need and write what they return, inside the caller's transaction. Locking (see
:mod:`issuer.status.registry` for why it is safe across processes): schedules are locked
before lists, and lists in one global order (purpose: revocation, suspension, message; then
id), each ``SELECT … FOR UPDATE`` before its stored bitstring is read and rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from issuer.status.models import AuditRow, EntryRow, ListRow, ScheduleRow
from issuer.status.records import Schedule, StatusChange, schedule_of
from issuer.status.rules import (
    PURPOSE_RANK,
    Cause,
    Entry,
    Setting,
    ValueOf,
    changes_needed,
    reconcile_settings,
)
from vc_core.errors import StatusError
from vc_core.status import PackedStatusList

__all__ = [
    "LockedList",
    "apply",
    "entries_of",
    "lock_lists",
    "locked_values",
    "reconcile",
    "schedule_credentials",
    "stored_values",
]


class LockedList:
    """A list row locked for update, with its entries unpacked."""

    def __init__(self, row: ListRow) -> None:
        self.row = row
        self.packed = PackedStatusList(row.size, row.status_size, data=row.bitstring)
        self.changed = False


def _entry(row: EntryRow) -> Entry:
    return Entry(row.credential_id, row.subject_id, row.purpose, row.list_id, row.idx)


def entries_of(
    session: Session,
    *,
    credential_id: str | None = None,
    subject_id: str | None = None,
    credential_ids: Sequence[str] | None = None,
) -> list[Entry]:
    """The entries of one credential, of one subject's every instance, or of many credentials.

    Naming one credential or subject that has none is ``status.credential_unknown``.
    """
    if credential_ids is not None:
        where: ColumnElement[bool] = EntryRow.credential_id.in_(list(credential_ids))
    elif credential_id is not None:
        where = EntryRow.credential_id == credential_id
    else:
        where = EntryRow.subject_id == subject_id
    entries = [_entry(row) for row in session.scalars(select(EntryRow).where(where))]
    if not entries and credential_ids is None:
        raise StatusError(
            "status.credential_unknown", f"no entries for {credential_id or subject_id}"
        )
    return entries


def schedule_credentials(session: Session, schedule: ScheduleRow) -> list[str]:
    """The credentials a schedule names: its one credential, or its subject's every one."""
    if schedule.credential_id is not None:
        return [schedule.credential_id]
    return list(
        session.scalars(
            select(EntryRow.credential_id)
            .where(EntryRow.subject_id == schedule.subject_id)
            .distinct()
        )
    )


def lock_lists(session: Session, list_ids: Iterable[int]) -> dict[int, LockedList]:
    """Lock list rows for update, in the global order, and unpack them."""
    rows = session.scalars(
        select(ListRow)
        .where(ListRow.id.in_(sorted(set(list_ids))))
        .order_by(case(dict(PURPOSE_RANK), value=ListRow.purpose), ListRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.id: LockedList(row) for row in rows}


def locked_values(locked: dict[int, LockedList]) -> ValueOf:
    """The value of an entry, read from its locked list."""
    return lambda entry: locked[entry.list_id].packed.get(entry.index)


def stored_values(session: Session, entries: Iterable[Entry]) -> ValueOf:
    """The value of an entry as committed, read without locking its list."""
    packed = {
        row.id: PackedStatusList(row.size, row.status_size, data=row.bitstring)
        for row in session.scalars(
            select(ListRow).where(ListRow.id.in_({e.list_id for e in entries}))
        )
    }
    return lambda entry: packed[entry.list_id].get(entry.index)


def _active_schedules(session: Session, entries: Sequence[Entry], now: datetime) -> list[Schedule]:
    """The schedules active at ``now`` that name these entries' credentials or subjects."""
    credentials = sorted({e.credential_id for e in entries})
    subjects = sorted({e.subject_id for e in entries if e.subject_id is not None})
    rows = session.scalars(
        select(ScheduleRow).where(
            or_(
                ScheduleRow.credential_id.in_(credentials),
                and_(ScheduleRow.subject_id.is_not(None), ScheduleRow.subject_id.in_(subjects)),
            ),
            ScheduleRow.starts_at <= now,
            or_(ScheduleRow.ends_at.is_(None), ScheduleRow.ends_at > now),
        )
    )
    return [schedule_of(row) for row in rows]


def reconcile(
    session: Session, credential_ids: Sequence[str], now: datetime, cause: Cause
) -> tuple[StatusChange, ...]:
    """Set the suspension and message entries of credentials to what their schedules say."""
    if not credential_ids:
        return ()
    entries = entries_of(session, credential_ids=credential_ids)
    locked = lock_lists(session, {e.list_id for e in entries})
    schedules = _active_schedules(session, entries, now)
    settings = reconcile_settings(entries, schedules, locked_values(locked), now)
    return apply(session, locked, settings, now, cause)


def apply(
    session: Session,
    locked: dict[int, LockedList],
    settings: Iterable[Setting],
    now: datetime,
    cause: Cause,
) -> tuple[StatusChange, ...]:
    """Write the settings that change a value, one audit line each; bump changed lists."""
    changes: list[StatusChange] = []
    for entry, old, new in changes_needed(settings, locked_values(locked)):
        target = locked[entry.list_id]
        target.packed.set(entry.index, new)
        target.changed = True
        session.add(_audit(now, cause, entry, old=old, new=new))
        changes.append(
            StatusChange(entry.credential_id, entry.purpose, target.row.url, entry.index, old, new)
        )
    for target in locked.values():
        if target.changed:
            target.row.bitstring = target.packed.to_bytes()
            target.row.version += 1
            target.row.updated_at = now
    session.flush()
    return tuple(changes)


def _audit(now: datetime, cause: Cause, entry: Entry, *, old: int, new: int) -> AuditRow:
    return AuditRow(
        at=now,
        actor=cause.actor,
        action=cause.action,
        credential_id=entry.credential_id,
        subject_id=entry.subject_id,
        purpose=entry.purpose,
        list_id=entry.list_id,
        idx=entry.index,
        old_value=old,
        new_value=new,
        reason=cause.reason,
        legal_basis=cause.legal_basis,
        schedule_id=cause.schedule_id,
    )
