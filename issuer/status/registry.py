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
   :mod:`issuer.status.db`), so the reasoning above holds trivially there.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine, and_, case, func, insert, or_, select, text, update
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from issuer.status.db import migrate, open_engine
from issuer.status.messages import (
    MESSAGE_STATUS_SIZE,
    REVOCATION_CODES,
    SUSPENSION_CODES,
    ReasonCode,
    check_code,
    status_messages,
)
from issuer.status.models import AuditRow, EntryRow, ListRow, ScheduleRow
from issuer.status.permutation import new_key, permute
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
from vc_core.errors import RequestError, StatusError
from vc_core.status import BitstringStatusListEntry, PackedStatusList, new_list

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

_RANK = {purpose: rank for rank, purpose in enumerate(PURPOSES)}
# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available,
# unique violation (two processes opened the same next list, or allocated one credential).
_RETRY_SQLSTATES = {"40001", "40P01", "55P03", "23505"}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Cause:
    """Why a change happens; copied to every audit record it produces."""

    action: str
    actor: str
    reason: str | None
    legal_basis: str | None
    schedule_id: int | None = None


class _LockedList:
    """A list row locked for update, with its entries unpacked."""

    def __init__(self, row: ListRow) -> None:
        self.row = row
        self.packed = PackedStatusList(row.size, row.status_size, data=row.bitstring)
        self.changed = False


def _is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRY_SQLSTATES
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


class StatusRegistry:
    """Status lists of one or more issuers, stored through SQLAlchemy (see the module)."""

    def __init__(
        self,
        engine: Engine,
        config: RegistryConfig,
        *,
        now: Callable[[], datetime] = utc_now,
        retries: int = 30,
    ) -> None:
        self.engine = engine
        self.config = config
        self._now = now
        self._retries = retries
        self._relaxed: Engine | None = None

    @classmethod
    def open(
        cls,
        url: str,
        config: RegistryConfig,
        *,
        now: Callable[[], datetime] = utc_now,
        run_migrations: bool = True,
    ) -> StatusRegistry:
        """A registry on the database at ``url``, migrated to the current schema.

        A ``url`` that names no database shikaku can use is ``request.invalid``; a database
        that cannot be reached or opened is ``status.storage_failed`` (neither message
        repeats the URL, which may hold a password).
        """
        try:
            engine = open_engine(url)
        except (ArgumentError, NoSuchModuleError, ValueError) as exc:
            raise RequestError(
                "request.invalid", "the database URL is not one shikaku can use"
            ) from exc
        if run_migrations:
            try:
                migrate(engine)
            except SQLAlchemyError as exc:
                engine.dispose()
                orig = getattr(exc, "orig", None) or type(exc).__name__
                raise StatusError(
                    "status.storage_failed", f"cannot open the registry database: {orig}"
                ) from exc
        return cls(engine, config, now=now)

    def close(self) -> None:
        self.engine.dispose()
        if self._relaxed is not None:
            self._relaxed.dispose()

    def _relaxed_engine(self) -> Engine:
        if self.engine.dialect.name != "sqlite":
            return self.engine
        if self._relaxed is None:
            self._relaxed = open_engine(self.engine.url, synchronous="NORMAL")
        return self._relaxed

    def now(self) -> datetime:
        """The registry's clock (a parameter, so tests and ticks can move it)."""
        return self._now()

    # -- transactions --------------------------------------------------------------------------

    def transact(self, work: Callable[[Session], T], *, durable: bool = True) -> T:
        """Run ``work`` in one transaction, retrying it whole on transient database errors.

        ``durable=False`` is for data derived from durable data, such as the publications,
        which are regenerated whenever their list's version is ahead of them: the commit does
        not wait for the disk (PostgreSQL ``synchronous_commit = off``; SQLite
        ``synchronous=NORMAL`` on a separate connection pool). A crashed process loses
        nothing either way; a power cut may lose the last such commits, never a list change.
        """
        engine = self.engine if durable else self._relaxed_engine()
        delay = 0.002
        for attempt in range(self._retries):
            try:
                with Session(engine, expire_on_commit=False) as session, session.begin():
                    if not durable and engine.dialect.name == "postgresql":
                        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
                    return work(session)
            except DBAPIError as exc:
                if attempt + 1 >= self._retries or not _is_transient(exc):
                    raise StatusError(
                        "status.storage_failed", f"the registry database failed: {exc.orig}"
                    ) from exc
            # Jittered exponential backoff keeps colliding processes from colliding again.
            time.sleep(delay * (1 + random.random()))  # noqa: S311 - timing jitter, not secrets
            delay = min(delay * 2, 0.25)
        raise AssertionError("unreachable")  # pragma: no cover

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
        instance of a subject under suspension starts suspended.
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
        wanted = sorted(set(purposes or self.config.purposes), key=lambda p: _RANK.get(p, 99))
        for purpose in wanted:
            if purpose not in _RANK:
                raise StatusError("status.purpose_not_enabled", f"unknown purpose {purpose!r}")
        subjects = dict(reversed(credentials))  # The first subject given for an id wins.
        ids = list(dict.fromkeys(credential for credential, _subject in credentials))
        inherited = _Cause("suspend", actor, "new instance of a suspended subject", None)

        def work(session: Session) -> dict[str, tuple[BitstringStatusListEntry, ...]]:
            now = self._now()
            have: dict[str, dict[str, tuple[int, int, str]]] = {c: {} for c in ids}
            for chunk in _chunks(ids):
                for credential, purpose, list_id, idx, url in session.execute(
                    select(
                        EntryRow.credential_id,
                        EntryRow.purpose,
                        EntryRow.list_id,
                        EntryRow.idx,
                        ListRow.url,
                    )
                    .join(ListRow, ListRow.id == EntryRow.list_id)
                    .where(EntryRow.credential_id.in_(chunk))
                ):
                    have[credential][purpose] = (list_id, idx, url)
            entries: list[dict[str, object]] = []
            for purpose in wanted:
                missing = [c for c in ids if purpose not in have[c]]
                if not missing:
                    continue
                taken = self._take_indexes(session, issuer, purpose, len(missing), now)
                for credential, (list_id, idx, url) in zip(missing, taken, strict=True):
                    have[credential][purpose] = (list_id, idx, url)
                    entries.append(
                        {
                            "purpose": purpose,
                            "list_id": list_id,
                            "idx": idx,
                            "credential_id": credential,
                            "subject_id": subjects[credential],
                        }
                    )
            if entries:
                # Plain multi-row INSERTs: no ORM flush and no RETURNING while lists are locked.
                session.execute(insert(EntryRow), [{**e, "created_at": now} for e in entries])
                session.execute(
                    insert(AuditRow),
                    [
                        {**e, "at": now, "actor": actor, "action": "allocate", "new_value": 0}
                        for e in entries
                    ],
                )
                new = {str(e["credential_id"]) for e in entries}
                self._reconcile(
                    session, self._under_schedule(session, new, subjects), now, inherited
                )
            return {
                c: tuple(self._entry(p, have[c][p][1], have[c][p][2]) for p in wanted) for c in ids
            }

        return self.transact(work)

    def _under_schedule(
        self, session: Session, credentials: set[str], subjects: dict[str, str | None]
    ) -> list[str]:
        """The new credentials whose subject has a suspension that is not over."""
        named = sorted({s for c, s in subjects.items() if c in credentials and s is not None})
        if not named:
            return []
        scheduled = set(
            session.scalars(
                select(ScheduleRow.subject_id)
                .where(ScheduleRow.subject_id.in_(named), ScheduleRow.ended.is_(False))
                .distinct()
            )
        )
        return sorted(c for c in credentials if subjects[c] in scheduled)

    def _take_indexes(
        self, session: Session, issuer: str, purpose: str, count: int, now: datetime
    ) -> list[tuple[int, int, str]]:
        """Advance the counters of the issuer's open lists for ``purpose`` by ``count`` in
        all: ``(list, index, url)`` for each counter value taken.

        The open list's row is locked (``FOR UPDATE``) before its counter is read, so the
        counter values taken here are taken by no one else; the permutation turns each into
        an index.
        """
        taken: list[tuple[int, int, str]] = []
        for _attempt in range(64):
            if len(taken) == count:
                return taken
            row = session.execute(
                select(ListRow.id, ListRow.allocated, ListRow.size, ListRow.perm_key, ListRow.url)
                .where(
                    ListRow.issuer == issuer,
                    ListRow.purpose == purpose,
                    ListRow.allocated < ListRow.size,
                )
                .order_by(ListRow.seq)
                .limit(1)
                .with_for_update()
            ).one_or_none()
            if row is None:
                # No open list: open the next one (or find the one another process opened).
                self._open_list(session, issuer, purpose, now)
                continue
            list_id, allocated, size, key, url = row
            step = min(count - len(taken), size - allocated)
            advanced = session.execute(
                update(ListRow)
                .where(ListRow.id == list_id, ListRow.allocated == allocated)
                .values(allocated=allocated + step, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if advanced.rowcount != 1:  # type: ignore[attr-defined]
                continue  # Cannot happen under the row lock; never take a value twice.
            taken += [(list_id, permute(key, size, allocated + n), url) for n in range(step)]
        raise StatusError("status.list_full", f"no {purpose} list of {issuer} has a free index")

    def _open_list(self, session: Session, issuer: str, purpose: str, now: datetime) -> None:
        """Open the issuer's next list for ``purpose``, unless an open one exists already."""
        still_open = session.scalar(
            select(ListRow.id)
            .where(
                ListRow.issuer == issuer,
                ListRow.purpose == purpose,
                ListRow.allocated < ListRow.size,
            )
            .limit(1)
        )
        if still_open is not None:
            return
        last = session.scalar(
            select(func.max(ListRow.seq)).where(
                ListRow.issuer == issuer, ListRow.purpose == purpose
            )
        )
        status_size = MESSAGE_STATUS_SIZE if purpose == "message" else 1
        base = self.config.base_url.rstrip("/")
        session.add(
            ListRow(
                url=f"{base}/{secrets.token_urlsafe(12)}",
                issuer=issuer,
                purpose=purpose,
                seq=(last or 0) + 1,
                status_size=status_size,
                size=self.config.list_size,
                allocated=0,
                perm_key=new_key(),
                bitstring=new_list(self.config.list_size, status_size).to_bytes(),
                version=0,
                created_at=now,
                updated_at=now,
            )
        )
        # A concurrent process opening the same list makes this flush fail on
        # uq_status_lists_seq; the transaction is then retried and finds that list.
        session.flush()

    def _entry(self, purpose: str, idx: int, url: str) -> BitstringStatusListEntry:
        if purpose == "message":
            return BitstringStatusListEntry(
                status_purpose="message",
                status_list_index=idx,
                status_list_credential=url,
                status_size=MESSAGE_STATUS_SIZE,
                status_message=status_messages(),
                id=f"{url}#{idx}",
                status_reference=self.config.status_reference,
            )
        return BitstringStatusListEntry(
            status_purpose=purpose,
            status_list_index=idx,
            status_list_credential=url,
            id=f"{url}#{idx}",
        )

    # -- queries -------------------------------------------------------------------------------

    def entries(self, credential_id: str) -> tuple[BitstringStatusListEntry, ...]:
        """The ``credentialStatus`` entries of a credential, in purpose order."""

        def work(session: Session) -> tuple[BitstringStatusListEntry, ...]:
            rows = session.execute(
                select(EntryRow, ListRow.url)
                .join(ListRow, ListRow.id == EntryRow.list_id)
                .where(EntryRow.credential_id == credential_id)
            ).all()
            found = sorted(rows, key=lambda pair: _RANK[pair[0].purpose])
            if not found:
                raise StatusError("status.credential_unknown", f"no entries for {credential_id}")
            return tuple(self._entry(e.purpose, e.idx, url) for e, url in found)

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
        goes to the message list where the credential has one.
        """
        reason_code = check_code(code, REVOCATION_CODES)
        cause = _Cause("revoke", actor, reason, legal_basis)

        def work(session: Session) -> tuple[StatusChange, ...]:
            now = self._now()
            entries = self._target_entries(session, credential_id, subject_id)
            locked = self._lock_lists(session, {e.list_id for e in entries})
            wanted: list[tuple[EntryRow, int]] = []
            for purposes in _by_credential(entries).values():
                revocation = purposes.get("revocation")
                if revocation is None:
                    raise StatusError(
                        "status.purpose_not_enabled",
                        f"{_credential_of(purposes)} has no revocation entry",
                    )
                if locked[revocation.list_id].packed.get(revocation.idx):
                    continue
                wanted.append((revocation, 1))
                if "message" in purposes:
                    wanted.append((purposes["message"], int(reason_code)))
            return self._apply(session, locked, wanted, now, cause)

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
        reason_code = check_code(code, SUSPENSION_CODES)
        for moment in (starts_at, ends_at):
            if moment is not None and moment.tzinfo is None:
                raise StatusError("status.schedule_invalid", "schedule times need a time zone")

        def work(session: Session) -> tuple[Schedule, tuple[StatusChange, ...]]:
            now = self._now()
            start = starts_at or now
            if ends_at is not None and (ends_at <= start or ends_at <= now):
                raise StatusError("status.schedule_invalid", "the suspension ends before it starts")
            entries = self._target_entries(session, credential_id, subject_id)
            by_credential = _by_credential(entries)
            for purposes in by_credential.values():
                if "suspension" not in purposes:
                    raise StatusError(
                        "status.purpose_not_enabled",
                        f"{_credential_of(purposes)} has no suspension entry",
                    )
            self._refuse_if_all_revoked(session, entries)
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
            cause = _Cause("suspend", actor, reason, legal_basis, row.id)
            session.add(
                AuditRow(
                    at=now,
                    actor=actor,
                    action="schedule",
                    credential_id=row.credential_id,
                    subject_id=row.subject_id,
                    purpose="suspension",
                    new_value=int(reason_code),
                    reason=f"{reason} ({_period(start, ends_at)})",
                    legal_basis=legal_basis,
                    schedule_id=row.id,
                )
            )
            changes: tuple[StatusChange, ...] = ()
            if row.started:
                changes = self._reconcile(session, list(by_credential), now, cause)
            return schedule_of(row), changes

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
        cause = _Cause("reinstate", actor, reason, legal_basis)

        def work(session: Session) -> tuple[StatusChange, ...]:
            now = self._now()
            entries = self._target_entries(session, credential_id, subject_id)
            self._refuse_if_all_revoked(session, entries)
            credentials = _by_credential(entries)
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
                schedule.ends_at = schedule.starts_at if schedule.starts_at > now else now
                schedule.started = schedule.ended = True
            session.flush()
            return self._reconcile(session, list(credentials), now, cause)

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
                if schedule.starts_at <= now:
                    schedule.started = True
                if schedule.ends_at is not None and schedule.ends_at <= now:
                    schedule.ended = True
                targets.append((schedule, self._schedule_credentials(session, schedule)))
            session.flush()
            changes: list[StatusChange] = []
            for schedule, credentials in targets:
                cause = _Cause("tick", actor, schedule.reason, schedule.legal_basis, schedule.id)
                changes.extend(self._reconcile(session, credentials, now, cause))
            return TickReport(tuple(s.id for s in due), tuple(changes))

        return self.transact(work)

    # -- change machinery ------------------------------------------------------------------------

    def _target_entries(
        self, session: Session, credential_id: str | None, subject_id: str | None
    ) -> list[EntryRow]:
        if (credential_id is None) == (subject_id is None):
            raise StatusError(
                "status.credential_unknown", "name exactly one of a credential or a subject"
            )
        column = EntryRow.credential_id if credential_id is not None else EntryRow.subject_id
        entries = list(
            session.scalars(select(EntryRow).where(column == (credential_id or subject_id)))
        )
        if not entries:
            raise StatusError(
                "status.credential_unknown", f"no entries for {credential_id or subject_id}"
            )
        return entries

    def _schedule_credentials(self, session: Session, schedule: ScheduleRow) -> list[str]:
        if schedule.credential_id is not None:
            return [schedule.credential_id]
        return list(
            session.scalars(
                select(EntryRow.credential_id)
                .where(EntryRow.subject_id == schedule.subject_id)
                .distinct()
            )
        )

    def _lock_lists(self, session: Session, list_ids: Iterable[int]) -> dict[int, _LockedList]:
        rows = session.scalars(
            select(ListRow)
            .where(ListRow.id.in_(sorted(set(list_ids))))
            .order_by(case(_RANK, value=ListRow.purpose), ListRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        return {row.id: _LockedList(row) for row in rows}

    def _refuse_if_all_revoked(self, session: Session, entries: list[EntryRow]) -> None:
        revocations = [e for e in entries if e.purpose == "revocation"]
        if not revocations:
            return
        rows = {
            row.id: row
            for row in session.scalars(
                select(ListRow).where(ListRow.id.in_({e.list_id for e in revocations}))
            )
        }
        revoked = [
            e
            for e in revocations
            if PackedStatusList(rows[e.list_id].size, 1, data=rows[e.list_id].bitstring).get(e.idx)
        ]
        if len(revoked) == len(revocations) and len(revocations) == len(_by_credential(entries)):
            raise StatusError("status.revocation_irreversible")

    def _reconcile(
        self, session: Session, credential_ids: Sequence[str], now: datetime, cause: _Cause
    ) -> tuple[StatusChange, ...]:
        """Set the suspension and message entries of credentials to what their schedules say."""
        if not credential_ids:
            return ()
        entries = list(
            session.scalars(
                select(EntryRow).where(EntryRow.credential_id.in_(list(credential_ids)))
            )
        )
        locked = self._lock_lists(session, {e.list_id for e in entries})
        wanted: list[tuple[EntryRow, int]] = []
        for purposes in _by_credential(entries).values():
            any_entry = next(iter(purposes.values()))
            active = session.scalar(
                select(ScheduleRow)
                .where(
                    or_(
                        ScheduleRow.credential_id == any_entry.credential_id,
                        and_(
                            ScheduleRow.subject_id.is_not(None),
                            ScheduleRow.subject_id == any_entry.subject_id,
                        ),
                    ),
                    ScheduleRow.starts_at <= now,
                    or_(ScheduleRow.ends_at.is_(None), ScheduleRow.ends_at > now),
                )
                .order_by(ScheduleRow.starts_at, ScheduleRow.id)
                .limit(1)
            )
            if "suspension" in purposes:
                wanted.append((purposes["suspension"], 1 if active is not None else 0))
            revocation = purposes.get("revocation")
            revoked = revocation is not None and locked[revocation.list_id].packed.get(
                revocation.idx
            )
            if "message" in purposes and not revoked:
                wanted.append((purposes["message"], active.code if active is not None else 0))
        return self._apply(session, locked, wanted, now, cause)

    def _apply(
        self,
        session: Session,
        locked: dict[int, _LockedList],
        wanted: list[tuple[EntryRow, int]],
        now: datetime,
        cause: _Cause,
    ) -> tuple[StatusChange, ...]:
        changes: list[StatusChange] = []
        for entry, value in wanted:
            target = locked[entry.list_id]
            old = target.packed.get(entry.idx)
            if old == value:
                continue
            target.packed.set(entry.idx, value)
            target.changed = True
            self._audit(session, now, cause, entry, old=old, new=value)
            changes.append(
                StatusChange(
                    entry.credential_id, entry.purpose, target.row.url, entry.idx, old, value
                )
            )
        for target in locked.values():
            if target.changed:
                target.row.bitstring = target.packed.to_bytes()
                target.row.version += 1
                target.row.updated_at = now
        session.flush()
        return tuple(changes)

    def _audit(
        self,
        session: Session,
        now: datetime,
        cause: _Cause,
        entry: EntryRow,
        *,
        old: int | None,
        new: int,
    ) -> None:
        session.add(
            AuditRow(
                at=now,
                actor=cause.actor,
                action=cause.action,
                credential_id=entry.credential_id,
                subject_id=entry.subject_id,
                purpose=entry.purpose,
                list_id=entry.list_id,
                idx=entry.idx,
                old_value=old,
                new_value=new,
                reason=cause.reason,
                legal_basis=cause.legal_basis,
                schedule_id=cause.schedule_id,
            )
        )


def _by_credential(entries: Iterable[EntryRow]) -> dict[str, dict[str, EntryRow]]:
    grouped: dict[str, dict[str, EntryRow]] = {}
    for entry in entries:
        grouped.setdefault(entry.credential_id, {})[entry.purpose] = entry
    return grouped


def _credential_of(purposes: dict[str, EntryRow]) -> str:
    """The credential id of a group of entries (for messages)."""
    return next(iter(purposes.values())).credential_id


def _period(start: datetime, end: datetime | None) -> str:
    until = "until reinstated" if end is None else f"until {end.isoformat()}"
    return f"from {start.isoformat()} {until}"


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
