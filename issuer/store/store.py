""":class:`BoardStore`: the board's register, issued credentials and event log, in SQL.

Each method is one transaction (:func:`service_kit.db.transact`, retried whole on transient
errors); callers never see a session. The methods that the lifecycle and bulk issuance build
on are idempotent by design: :meth:`BoardStore.put_record` compares digests, and
:meth:`BoardStore.add_credential` returns the instance already stored under the same
``issuance_key``, so a rerun after a crash neither loses nor duplicates anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any, Final, Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer.store.db import migrate
from issuer.store.models import STANDINGS, CredentialRow, EventRow, RecordRow
from service_kit.db import DEFAULT_RETRIES, create_engine, transact
from vc_core.clock import Clock, system_clock
from vc_core.errors import BoardError
from vc_core.jsonout import compact
from vc_schemas.record import RegisterRecord, record_from_mapping

__all__ = [
    "BoardEvent",
    "BoardStore",
    "IssuedInstance",
    "PutOutcome",
    "StoredRecord",
    "record_json",
    "subject_of",
]

T = TypeVar("T")
_RECORD_FIELDS: Final = tuple(f.name for f in fields(RegisterRecord))
PutOutcome = Literal["new", "unchanged", "changed"]


def subject_of(qualification_id: str, license_number: str) -> str:
    """The subject id the status registry and the board's tables share for one holder."""
    return f"{qualification_id}:{license_number}"


def record_json(record: RegisterRecord) -> str:
    """The record as canonical JSON (sorted keys, no spaces, ISO dates, nulls left out)."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, tuple):
            return list(value)
        return value

    # The fields one by one (the values are strings, dates and tuples of strings):
    # dataclasses.asdict would deep-copy each of them first, for a third of an import's time.
    values = {
        key: plain(value)
        for key in _RECORD_FIELDS
        if (value := getattr(record, key)) is not None and value != ()
    }
    return compact(values, sort_keys=True).decode("utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredRecord:
    """A register record as the board holds it, with its version and standing."""

    subject_id: str
    record: RegisterRecord
    version: int
    standing: str
    digest: str
    updated_at: datetime


@dataclass(frozen=True)
class IssuedInstance:
    """One secured credential the board issued (``body``: JSON text or a compact token)."""

    credential_id: str
    issuance_key: str
    subject_id: str
    record_version: int
    form: str
    body: str
    issued_at: datetime
    holder_mode: str | None = None
    holder_key: str | None = None


@dataclass(frozen=True)
class BoardEvent:
    """One entry of the append-only event log. ``details`` never holds a PIN, a My Number,
    an address or a certificate: ids, codes and dates only."""

    action: str
    actor: str
    subject_id: str | None = None
    credential_id: str | None = None
    legal_basis: str | None = None
    reason_code: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None


class BoardStore:
    """The board's tables on one engine (SQLite file or PostgreSQL)."""

    def __init__(
        self, engine: Engine, *, clock: Clock = system_clock, retries: int = DEFAULT_RETRIES
    ) -> None:
        self.engine = engine
        self.clock = clock
        self._retries = retries

    @classmethod
    def open(
        cls, url: str, *, clock: Clock = system_clock, run_migrations: bool = True
    ) -> BoardStore:
        """A store on the database at ``url``, migrated to the current schema."""
        engine = create_engine(url)
        try:
            if run_migrations:
                migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    def transact(
        self, work: Callable[[Session], T], *, durable: bool = True, retry_unique: bool = False
    ) -> T:
        """Run ``work`` in one transaction (retried whole; ``storage.*`` when it cannot).

        ``retry_unique`` retries a unique violation too, for work that inserts a row another
        process may insert first and, run again, finds it
        (:func:`service_kit.db.transact`)."""
        return transact(
            self.engine, work, retries=self._retries, durable=durable, retry_unique=retry_unique
        )

    # -- register records ------------------------------------------------------------------------

    def put_record(self, record: RegisterRecord, *, actor: str) -> tuple[PutOutcome, StoredRecord]:
        """Store ``record``: new, unchanged (same digest: nothing written) or changed (a new
        version). The event log records a new and a changed record, never an unchanged one."""
        text = record_json(record)
        digest = _digest(text)
        subject = subject_of(record.qualification_id, record.license_number)

        def work(session: Session) -> tuple[PutOutcome, StoredRecord]:
            now = self.clock()
            row = session.scalars(
                sa.select(RecordRow).where(RecordRow.subject_id == subject).with_for_update()
            ).one_or_none()
            outcome: PutOutcome
            if row is None:
                row = RecordRow(
                    subject_id=subject,
                    qualification_id=record.qualification_id,
                    license_number=record.license_number,
                    record=text,
                    digest=digest,
                    version=1,
                    standing="registered",
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                outcome = "new"
            elif row.digest == digest:
                return "unchanged", _stored(row)
            else:
                row.record, row.digest, row.version, row.updated_at = (
                    text,
                    digest,
                    row.version + 1,
                    now,
                )
                outcome = "changed"
            session.add(
                _event_row(
                    BoardEvent(
                        f"record.{outcome}",
                        actor,
                        subject_id=subject,
                        details={"version": row.version},
                    ),
                    now,
                )
            )
            session.flush()
            return outcome, _stored(row)

        return self.transact(work)

    def record(self, subject_id: str) -> StoredRecord | None:
        """The stored record of ``subject_id``, or ``None``."""

        def work(session: Session) -> StoredRecord | None:
            row = session.scalars(
                sa.select(RecordRow).where(RecordRow.subject_id == subject_id)
            ).one_or_none()
            return None if row is None else _stored(row)

        return self.transact(work, durable=False)

    def set_standing(self, subject_id: str, standing: str, event: BoardEvent) -> StoredRecord:
        """Move a record to ``standing`` and log ``event`` in the same transaction."""
        if standing not in STANDINGS:
            raise BoardError("board.event_invalid", f"unknown standing {standing!r}")

        def work(session: Session) -> StoredRecord:
            row = session.scalars(
                sa.select(RecordRow).where(RecordRow.subject_id == subject_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise BoardError("board.record_unknown", f"no register record {subject_id}")
            now = self.clock()
            row.standing, row.updated_at = standing, now
            session.add(_event_row(event, now))
            session.flush()
            return _stored(row)

        return self.transact(work)

    def count_records(self, qualification_id: str | None = None) -> int:
        def work(session: Session) -> int:
            query = sa.select(sa.func.count()).select_from(RecordRow)
            if qualification_id is not None:
                query = query.where(RecordRow.qualification_id == qualification_id)
            return int(session.scalar(query) or 0)

        return self.transact(work, durable=False)

    # -- issued credentials ----------------------------------------------------------------------

    def add_credential(self, instance: IssuedInstance, *, actor: str) -> IssuedInstance:
        """Store ``instance`` and log it; if its ``issuance_key`` is taken, the stored one."""

        def work(session: Session) -> IssuedInstance:
            existing = session.scalars(
                sa.select(CredentialRow).where(CredentialRow.issuance_key == instance.issuance_key)
            ).one_or_none()
            if existing is not None:
                return _instance(existing)
            session.add(CredentialRow(**asdict(instance)))
            session.add(
                _event_row(
                    BoardEvent(
                        "credential.issued",
                        actor,
                        subject_id=instance.subject_id,
                        credential_id=instance.credential_id,
                        details={"form": instance.form, "recordVersion": instance.record_version},
                    ),
                    self.clock(),
                )
            )
            return instance

        return self.transact(work)

    def credential(self, credential_id: str) -> IssuedInstance | None:
        def work(session: Session) -> IssuedInstance | None:
            row = session.get(CredentialRow, credential_id)
            return None if row is None else _instance(row)

        return self.transact(work, durable=False)

    def credential_by_key(self, issuance_key: str) -> IssuedInstance | None:
        def work(session: Session) -> IssuedInstance | None:
            row = session.scalars(
                sa.select(CredentialRow).where(CredentialRow.issuance_key == issuance_key)
            ).one_or_none()
            return None if row is None else _instance(row)

        return self.transact(work, durable=False)

    def credentials_of(self, subject_id: str) -> tuple[IssuedInstance, ...]:
        """Every instance issued for ``subject_id``, oldest first."""

        def work(session: Session) -> tuple[IssuedInstance, ...]:
            rows = session.scalars(
                sa.select(CredentialRow)
                .where(CredentialRow.subject_id == subject_id)
                .order_by(CredentialRow.issued_at, CredentialRow.credential_id)
            )
            return tuple(_instance(row) for row in rows)

        return self.transact(work, durable=False)

    # -- the event log ---------------------------------------------------------------------------

    def log(self, event: BoardEvent) -> None:
        """Append ``event`` to the log in its own transaction."""
        self.transact(lambda session: session.add(_event_row(event, self.clock())))

    def events(
        self, *, subject_id: str | None = None, after: int = 0, limit: int = 1000
    ) -> tuple[BoardEvent, ...]:
        """Events in the order they were logged, optionally of one subject (paged by id)."""

        def work(session: Session) -> tuple[BoardEvent, ...]:
            query = (
                sa.select(EventRow).where(EventRow.id > after).order_by(EventRow.id).limit(limit)
            )
            if subject_id is not None:
                query = query.where(EventRow.subject_id == subject_id)
            return tuple(_event(row) for row in session.scalars(query))

        return self.transact(work, durable=False)

    def iter_events(self, *, subject_id: str | None = None) -> Iterator[BoardEvent]:
        after = 0
        while page := self.events(subject_id=subject_id, after=after):
            yield from page
            after = page[-1].id or after


def _stored(row: RecordRow) -> StoredRecord:
    return StoredRecord(
        subject_id=row.subject_id,
        record=record_from_mapping(json.loads(row.record)),
        version=row.version,
        standing=row.standing,
        digest=row.digest,
        updated_at=row.updated_at,
    )


def _instance(row: CredentialRow) -> IssuedInstance:
    return IssuedInstance(
        credential_id=row.credential_id,
        issuance_key=row.issuance_key,
        subject_id=row.subject_id,
        record_version=row.record_version,
        form=row.form,
        body=row.body,
        issued_at=row.issued_at,
        holder_mode=row.holder_mode,
        holder_key=row.holder_key,
    )


def _event_row(event: BoardEvent, now: datetime) -> EventRow:
    return EventRow(
        at=event.at or now,
        actor=event.actor,
        action=event.action,
        subject_id=event.subject_id,
        credential_id=event.credential_id,
        legal_basis=event.legal_basis,
        reason_code=event.reason_code,
        details=json.dumps(dict(event.details), ensure_ascii=False, sort_keys=True),
    )


def _event(row: EventRow) -> BoardEvent:
    return BoardEvent(
        action=row.action,
        actor=row.actor,
        subject_id=row.subject_id,
        credential_id=row.credential_id,
        legal_basis=row.legal_basis,
        reason_code=row.reason_code,
        details=json.loads(row.details),
        at=row.at,
        id=row.id,
    )
