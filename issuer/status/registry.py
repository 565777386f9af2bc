"""The status registry: random indexes that are never reused, and every change to them.

What it does (DOMAIN.md, Lifecycle → status; W3C Bitstring Status List v1.0 §2.1 and §6):

- :meth:`StatusRegistry.allocate` gives a credential one entry in a list of each purpose it
  uses (``revocation``, ``suspension``, and ``message`` where policy enables it), opening the
  issuer's next list when the current one is full.
- :meth:`~StatusRegistry.revoke`, :meth:`~StatusRegistry.suspend` (now, or scheduled with start
  and end times), :meth:`~StatusRegistry.reinstate` and :meth:`~StatusRegistry.tick` (applies
  due schedules; idempotent) change entries of one credential or of every instance of a
  subject (a holder's registration). Each change is written to the append-only audit log with
  who, when, why and the legal basis, and bumps the list's version so it is republished.

Correctness across processes (PostgreSQL, or several processes on one SQLite file):

1. Index allocation. The list row holds a counter ``allocated``. An allocator locks the
   issuer's open list (``SELECT … WHERE allocated < size ORDER BY seq LIMIT 1 FOR UPDATE``),
   reads the counter, and moves it on by the number of indexes it needs (``UPDATE … SET
   allocated = :new WHERE id = :id AND allocated = :old``). PostgreSQL keeps the row locked
   until commit, and a concurrent allocator that waited for the lock re-reads the row and
   re-checks ``allocated < size`` against it (READ COMMITTED re-evaluation), so no two
   transactions ever take the same counter value. The index is ``permute(perm_key, size,
   counter)``, a bijection (see :mod:`issuer.status.permutation`), so distinct counters give
   distinct indexes. The entry rows are inserted in the same transaction, so a process killed
   at any point either committed the counter and its entries or neither: nothing committed is
   lost, and a counter value, once committed, is never handed out again, before or after a
   restart. ``UNIQUE (list_id, idx)``, ``CHECK (allocated <= size)`` and append-only
   triggers on the entries back this up in the database.
2. A full list. When ``allocated = size`` no open list is found and the allocator opens the
   next list, numbered ``max(seq) + 1``; ``UNIQUE (issuer, purpose, seq)`` makes two processes
   racing to open it collide, and the loser retries its whole transaction and uses the
   winner's list.
3. Status changes lock the list rows they touch (``SELECT … FOR UPDATE``) before reading and
   rewriting the stored bitstring, so two processes flipping bits of one list never overwrite
   each other. Every transaction locks schedules before lists, and lists in one global order
   (purpose: revocation, suspension, message; then id); allocation follows the same order.
   Should PostgreSQL still report a deadlock or serialization failure, the whole transaction
   is retried with backoff.
4. SQLite has one writer at a time: transactions start with ``BEGIN IMMEDIATE`` (see
   :mod:`service_kit.db`), so the reasoning above holds trivially there.

The rules (what each action does to entries and schedules, and what it must carry) are pure
functions in :mod:`issuer.status.rules`; the SQL is in :mod:`issuer.status.allocation` and
:mod:`issuer.status.changes`; this module runs each action as one transaction
(:func:`service_kit.db.transact`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session

from issuer.status import changes, rules
from issuer.status.allocation import (
    Placed,
    existing_entries,
    insert_entries,
    status_entry,
    take_indexes,
    under_schedule,
)
from issuer.status.db import migrate
from issuer.status.messages import REVOCATION_CODES, SUSPENSION_CODES, ReasonCode, check_code
from issuer.status.models import AuditRow, EntryRow, ListRow, ScheduleRow
from issuer.status.records import (
    PURPOSES,
    AuditRecord,
    ListInfo,
    ListSnapshot,
    RegistryConfig,
    Schedule,
    StatusChange,
    TickReport,
    audit_record,
    list_info,
    schedule_of,
)
from service_kit.db import DEFAULT_RETRIES, create_engine, transact
from vc_core.clock import Clock, system_clock
from vc_core.errors import StatusError, StorageError
from vc_core.status import BitstringStatusListEntry, PackedStatusList

__all__ = [
    "PURPOSES",
    "AuditRecord",
    "ListInfo",
    "ListSnapshot",
    "RegistryConfig",
    "Schedule",
    "StatusChange",
    "StatusRegistry",
    "TickReport",
]

T = TypeVar("T")


class StatusRegistry:
    """Status lists of one or more issuers, stored through SQLAlchemy (see the module)."""

    def __init__(
        self,
        engine: Engine,
        config: RegistryConfig,
        *,
        now: Clock = system_clock,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.engine = engine
        self.config = config
        self._now = now
        self._retries = retries

    @classmethod
    def open(
        cls,
        url: str,
        config: RegistryConfig,
        *,
        now: Clock = system_clock,
        run_migrations: bool = True,
    ) -> StatusRegistry:
        """A registry on the database at ``url``, migrated to the current schema."""
        engine = create_engine(url)
        try:
            if run_migrations:
                migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, config, now=now)

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> datetime:
        """The registry's clock (a parameter, so tests and ticks can move it)."""
        return self._now()

    def transact(self, work: Callable[[Session], T], *, durable: bool = True) -> T:
        """Run ``work`` in one transaction, retried whole on transient database errors.

        ``durable=False`` is for data derived from durable data, such as the publications,
        which are regenerated whenever their list's version is ahead of them (see
        :func:`service_kit.db.transact`). A database that fails or stays contended is
        ``status.storage_failed``. Unique violations are retried too: two processes opening
        the same next list collide on ``uq_status_lists_seq``, and the loser finds the list.
        """
        try:
            return transact(
                self.engine, work, retries=self._retries, durable=durable, retry_unique=True
            )
        except StorageError as exc:
            raise StatusError("status.storage_failed", exc.message, cause=exc.code) from exc

    # -- allocation ----------------------------------------------------------------------------

    def allocate(
        self,
        credential_id: str,
        *,
        issuer: str,
        subject_id: str | None = None,
        purposes: Sequence[str] | None = None,
        actor: str = "issuer",
    ) -> tuple[BitstringStatusListEntry, ...]:
        """Entries for a new credential instance, one per purpose (idempotent per credential).

        Calling it again for the same ``credential_id`` returns the entries it already has
        (adding any purpose it lacks), so a retried issuance never burns more indexes. A new
        instance of a subject under suspension starts suspended. The id must not be blank and
        the issuer must be a DID (issue 10).
        """
        allocated = self.allocate_many(
            [(credential_id, subject_id)], issuer=issuer, purposes=purposes, actor=actor
        )
        return allocated[credential_id]

    def allocate_many(
        self,
        credentials: Sequence[tuple[str, str | None]],
        *,
        issuer: str,
        purposes: Sequence[str] | None = None,
        actor: str = "issuer",
    ) -> dict[str, tuple[BitstringStatusListEntry, ...]]:
        """:meth:`allocate` for many ``(credential_id, subject_id)`` pairs in one transaction.

        This is how a board issues its register: each list's counter moves once per batch,
        and the batch commits (waits for the disk) once.
        """
        rules.check_allocation(credentials, issuer=issuer, actor=actor)
        wanted = rules.allocation_purposes(purposes or self.config.purposes)
        subjects = dict(reversed(credentials))  # The first subject given for an id wins.
        ids = list(dict.fromkeys(credential for credential, _subject in credentials))
        inherited = rules.Cause("suspend", actor, "new instance of a suspended subject", None)

        def work(session: Session) -> dict[str, tuple[BitstringStatusListEntry, ...]]:
            now = self._now()
            have = existing_entries(session, ids)
            entries: list[dict[str, object]] = []
            for purpose in wanted:
                missing = [c for c in ids if purpose not in have[c]]
                if not missing:
                    continue
                taken = take_indexes(
                    session,
                    self.config,
                    issuer=issuer,
                    purpose=purpose,
                    count=len(missing),
                    now=now,
                )
                for credential, placed in zip(missing, taken, strict=True):
                    have[credential][purpose] = placed
                    entries.append(_entry_row(credential, subjects[credential], purpose, placed))
            if entries:
                insert_entries(session, entries, now, actor)
                new = {str(e["credential_id"]) for e in entries}
                changes.reconcile(session, under_schedule(session, new, subjects), now, inherited)
            return {
                c: tuple(status_entry(self.config, p, have[c][p][1], have[c][p][2]) for p in wanted)
                for c in ids
            }

        return self.transact(work)

    # -- queries -------------------------------------------------------------------------------

    def entries(self, credential_id: str) -> tuple[BitstringStatusListEntry, ...]:
        """The ``credentialStatus`` entries of a credential, in purpose order."""

        def work(session: Session) -> tuple[BitstringStatusListEntry, ...]:
            rows = session.execute(
                select(EntryRow, ListRow.url)
                .join(ListRow, ListRow.id == EntryRow.list_id)
                .where(EntryRow.credential_id == credential_id)
            ).all()
            found = sorted(rows, key=lambda pair: rules.PURPOSE_RANK[pair[0].purpose])
            if not found:
                raise StatusError("status.credential_unknown", f"no entries for {credential_id}")
            return tuple(status_entry(self.config, e.purpose, e.idx, url) for e, url in found)

        return self.transact(work)

    def status(self, credential_id: str) -> dict[str, int]:
        """The current value of each of a credential's entries, by purpose."""

        def work(session: Session) -> dict[str, int]:
            rows = session.execute(
                select(EntryRow.purpose, EntryRow.idx, ListRow)
                .join(ListRow, ListRow.id == EntryRow.list_id)
                .where(EntryRow.credential_id == credential_id)
            ).all()
            values = {
                purpose: PackedStatusList(row.size, row.status_size, data=row.bitstring).get(idx)
                for purpose, idx, row in rows
            }
            if not values:
                raise StatusError("status.credential_unknown", f"no entries for {credential_id}")
            return values

        return self.transact(work)

    def lists(self, *, issuer: str | None = None) -> tuple[ListInfo, ...]:
        """Every list (of ``issuer``), oldest first."""

        def work(session: Session) -> tuple[ListInfo, ...]:
            query = select(ListRow).order_by(ListRow.id)
            if issuer is not None:
                query = query.where(ListRow.issuer == issuer)
            return tuple(list_info(row) for row in session.scalars(query))

        return self.transact(work)

    def snapshot(self, url: str) -> ListSnapshot:
        """A list's entries and version, read in one transaction."""

        def work(session: Session) -> ListSnapshot:
            row = session.scalar(select(ListRow).where(ListRow.url == url))
            if row is None:
                raise StatusError("status.list_unreachable", f"no status list at {url}")
            packed = PackedStatusList(row.size, row.status_size, data=row.bitstring)
            return ListSnapshot(list_info(row), packed)

        return self.transact(work)

    def schedules(
        self, *, credential_id: str | None = None, subject_id: str | None = None
    ) -> tuple[Schedule, ...]:
        """Suspension schedules naming a credential or a subject (all when neither is given)."""

        def work(session: Session) -> tuple[Schedule, ...]:
            query = select(ScheduleRow).order_by(ScheduleRow.id)
            if credential_id is not None:
                query = query.where(ScheduleRow.credential_id == credential_id)
            if subject_id is not None:
                query = query.where(ScheduleRow.subject_id == subject_id)
            return tuple(schedule_of(row) for row in session.scalars(query))

        return self.transact(work)

    def audit_log(
        self, *, credential_id: str | None = None, subject_id: str | None = None
    ) -> tuple[AuditRecord, ...]:
        """The audit records (of a credential or a subject), oldest first."""

        def work(session: Session) -> tuple[AuditRecord, ...]:
            query = select(AuditRow).order_by(AuditRow.id)
            if credential_id is not None:
                query = query.where(AuditRow.credential_id == credential_id)
            if subject_id is not None:
                query = query.where(AuditRow.subject_id == subject_id)
            return tuple(audit_record(row) for row in session.scalars(query))

        return self.transact(work)

    # -- changes -------------------------------------------------------------------------------

    def revoke(
        self,
        *,
        credential_id: str | None = None,
        subject_id: str | None = None,
        code: int = ReasonCode.REVOKED,
        reason: str,
        legal_basis: str,
        actor: str,
    ) -> tuple[StatusChange, ...]:
        """Revoke a credential, or every instance of a subject; irreversible.

        ``code`` (3 免許取消, 4 死亡, 5 申請による抹消, 6 再発行により無効, 7 有効期間満了)
        goes to the message list where the credential has one. A blank reason, legal basis
        or actor is ``status.cause_invalid``.
        """
        cause = rules.cause_of("revoke", reason=reason, legal_basis=legal_basis, actor=actor)
        reason_code = check_code(code, REVOCATION_CODES)
        rules.check_target(credential_id, subject_id)

        def work(session: Session) -> tuple[StatusChange, ...]:
            now = self._now()
            entries = changes.entries_of(
                session, credential_id=credential_id, subject_id=subject_id
            )
            locked = changes.lock_lists(session, {e.list_id for e in entries})
            values = changes.locked_values(locked)
            settings = rules.revocation_settings(entries, values, reason_code)
            return changes.apply(session, locked, settings, now, cause)

        return self.transact(work)

    def suspend(
        self,
        *,
        credential_id: str | None = None,
        subject_id: str | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        code: int = ReasonCode.SUSPENDED,
        reason: str,
        legal_basis: str,
        actor: str,
    ) -> tuple[Schedule, tuple[StatusChange, ...]]:
        """Suspend from ``starts_at`` (default now) until ``ends_at`` (default: until reinstated).

        ``ends_at`` is the moment the credential is valid again: the suspension bit is set on
        the start date and cleared on the end date (DOMAIN.md). A suspension that has already
        started takes effect at once; a later one when :meth:`tick` runs after its start.
        """
        cause = rules.cause_of("suspend", reason=reason, legal_basis=legal_basis, actor=actor)
        reason_code = check_code(code, SUSPENSION_CODES)
        rules.check_target(credential_id, subject_id)

        def work(session: Session) -> tuple[Schedule, tuple[StatusChange, ...]]:
            now = self._now()
            start = rules.suspension_start(starts_at, ends_at, now)
            entries = changes.entries_of(
                session, credential_id=credential_id, subject_id=subject_id
            )
            grouped = rules.by_credential(entries)
            rules.require_purpose(grouped, "suspension")
            rules.refuse_if_all_revoked(entries, changes.stored_values(session, entries))
            row = ScheduleRow(
                credential_id=credential_id,
                subject_id=subject_id if credential_id is None else None,
                code=int(reason_code),
                starts_at=start,
                ends_at=ends_at,
                started=start <= now,
                ended=False,
                reason=reason,
                legal_basis=legal_basis,
                actor=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            session.add(_schedule_audit(row, now))
            found: tuple[StatusChange, ...] = ()
            if row.started:
                found = changes.reconcile(
                    session, list(grouped), now, replace(cause, schedule_id=row.id)
                )
            return schedule_of(row), found

        return self.transact(work)

    def reinstate(
        self,
        *,
        credential_id: str | None = None,
        subject_id: str | None = None,
        reason: str,
        legal_basis: str,
        actor: str,
    ) -> tuple[StatusChange, ...]:
        """End every current or future suspension now (e.g. a court's stay, 執行停止)."""
        cause = rules.cause_of("reinstate", reason=reason, legal_basis=legal_basis, actor=actor)
        rules.check_target(credential_id, subject_id)

        def work(session: Session) -> tuple[StatusChange, ...]:
            now = self._now()
            entries = changes.entries_of(
                session, credential_id=credential_id, subject_id=subject_id
            )
            rules.refuse_if_all_revoked(entries, changes.stored_values(session, entries))
            credentials = rules.by_credential(entries)
            subjects = {e.subject_id for e in entries if e.subject_id is not None}
            open_schedules = session.scalars(
                select(ScheduleRow)
                .where(
                    or_(
                        ScheduleRow.credential_id.in_(list(credentials)),
                        ScheduleRow.subject_id.in_(list(subjects)),
                    ),
                    ScheduleRow.ended.is_(False),
                )
                .order_by(ScheduleRow.id)
                .with_for_update()
            ).all()
            for schedule in open_schedules:
                # A future suspension is cancelled by making it empty; a current one ends now.
                schedule.ends_at = rules.cancelled_end(schedule.starts_at, now)
                schedule.started = schedule.ended = True
            session.flush()
            return changes.reconcile(session, list(credentials), now, cause)

        return self.transact(work)

    def tick(self, *, actor: str = "tick") -> TickReport:
        """Apply every schedule whose start or end has come; running it again changes nothing.

        Each due schedule is marked so the next tick skips it, and the credentials it names
        are brought to the state all their schedules call for at this moment, so a missed,
        repeated or concurrent tick always converges on the same bits.
        """

        def work(session: Session) -> TickReport:
            now = self._now()
            due = session.scalars(
                select(ScheduleRow)
                .where(
                    or_(
                        and_(ScheduleRow.started.is_(False), ScheduleRow.starts_at <= now),
                        and_(
                            ScheduleRow.ended.is_(False),
                            ScheduleRow.ends_at.is_not(None),
                            ScheduleRow.ends_at <= now,
                        ),
                    )
                )
                .order_by(ScheduleRow.id)
                .with_for_update()
            ).all()
            targets: list[tuple[ScheduleRow, list[str]]] = []
            for schedule in due:
                schedule.started, schedule.ended = rules.due_marks(
                    schedule.started, schedule.ended, schedule.starts_at, schedule.ends_at, now
                )
                targets.append((schedule, changes.schedule_credentials(session, schedule)))
            session.flush()
            found: list[StatusChange] = []
            for schedule, credentials in targets:
                cause = rules.Cause(
                    "tick", actor, schedule.reason, schedule.legal_basis, schedule.id
                )
                found.extend(changes.reconcile(session, credentials, now, cause))
            return TickReport(tuple(s.id for s in due), tuple(found))

        return self.transact(work)


def _entry_row(
    credential_id: str, subject_id: str | None, purpose: str, placed: Placed
) -> dict[str, object]:
    list_id, idx, _url = placed
    return {
        "purpose": purpose,
        "list_id": list_id,
        "idx": idx,
        "credential_id": credential_id,
        "subject_id": subject_id,
    }


def _schedule_audit(row: ScheduleRow, now: datetime) -> AuditRow:
    """The audit line of a new suspension schedule, its period in the reason."""
    until = "until reinstated" if row.ends_at is None else f"until {row.ends_at.isoformat()}"
    return AuditRow(
        at=now,
        actor=row.actor,
        action="schedule",
        credential_id=row.credential_id,
        subject_id=row.subject_id,
        purpose="suspension",
        new_value=row.code,
        reason=f"{row.reason} (from {row.starts_at.isoformat()} {until})",
        legal_basis=row.legal_basis,
        schedule_id=row.id,
    )
