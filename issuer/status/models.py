"""The status registry's tables (SQLAlchemy 2.x declarative mapping).

The schema is created and changed only by the migrations in :mod:`issuer.status.migrations`;
these classes describe it for queries, and a test checks that the two agree.

- ``status_lists``: one row per list. ``allocated`` counts the indexes handed out and only
  grows; ``perm_key`` keys the permutation that turns the count into a random index (see
  :mod:`issuer.status.permutation`); ``bitstring`` holds the entries in the W3C layout, and
  ``version`` grows with every change to it.
- ``status_entries``: one row per (credential, purpose), unique per (list, index): the second
  guarantee that an index is never handed out twice. Append-only: database triggers refuse
  UPDATE and DELETE, so an index cannot be freed for reuse.
- ``status_schedules``: suspensions with start and end times, applied by ``tick``.
- ``status_audit``: the append-only log; database triggers refuse UPDATE and DELETE.
- ``status_publications``: the latest signed document per list and format, with its ETag.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditRow",
    "Base",
    "EntryRow",
    "ListRow",
    "PublicationRow",
    "ScheduleRow",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored in UTC (naive on SQLite, which has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the status registry stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ListRow(Base):
    __tablename__ = "status_lists"
    __table_args__ = (
        UniqueConstraint("issuer", "purpose", "seq", name="uq_status_lists_seq"),
        CheckConstraint("allocated >= 0 AND allocated <= size", name="ck_status_lists_allocated"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(1024), unique=True)
    issuer: Mapped[str] = mapped_column(String(1024))
    purpose: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(Integer)
    status_size: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    perm_key: Mapped[bytes] = mapped_column(LargeBinary)
    bitstring: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EntryRow(Base):
    __tablename__ = "status_entries"
    __table_args__ = (
        UniqueConstraint("list_id", "idx", name="uq_status_entries_index"),
        UniqueConstraint("credential_id", "purpose", name="uq_status_entries_purpose"),
        Index("ix_status_entries_subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    idx: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    credential_id: Mapped[str] = mapped_column(String(1024))
    subject_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduleRow(Base):
    __tablename__ = "status_schedules"
    __table_args__ = (
        Index("ix_status_schedules_credential", "credential_id"),
        Index("ix_status_schedules_subject", "subject_id"),
        CheckConstraint(
            "(credential_id IS NULL) <> (subject_id IS NULL)", name="ck_status_schedules_target"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credential_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    code: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    ended: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditRow(Base):
    __tablename__ = "status_audit"
    __table_args__ = (Index("ix_status_audit_credential", "credential_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    credential_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(32), nullable=True)
    list_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    idx: Mapped[int | None] = mapped_column(Integer, nullable=True)
    old_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    new_value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    schedule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PublicationRow(Base):
    __tablename__ = "status_publications"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    format: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str] = mapped_column(String(128))
    media_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    ttl_seconds: Mapped[int] = mapped_column(Integer)
