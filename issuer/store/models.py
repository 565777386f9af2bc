"""The board's tables (SQLAlchemy 2.x declarative mapping); see :mod:`issuer.store`.

The schema is made only by the revisions in :mod:`issuer.store.migrations`; a test checks
that these classes and the migrated database agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from issuer.status.models import UTCDateTime

__all__ = ["STANDINGS", "Base", "CredentialRow", "EventRow", "RecordRow"]

#: Where the lifecycle leaves a register record: issuable, or not any more and why.
STANDINGS = ("registered", "revoked", "deceased", "erased")


class Base(DeclarativeBase):
    pass


class RecordRow(Base):
    __tablename__ = "register_records"
    __table_args__ = (
        UniqueConstraint("subject_id", name="uq_register_records_subject"),
        Index("ix_register_records_qualification", "qualification_id", "id"),
        CheckConstraint("version >= 1", name="ck_register_records_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(160))
    qualification_id: Mapped[str] = mapped_column(String(64))
    license_number: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    standing: Mapped[str] = mapped_column(String(16), default="registered")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CredentialRow(Base):
    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("issuance_key", name="uq_issued_credentials_issuance"),
        Index("ix_issued_credentials_subject", "subject_id"),
        # PostgreSQL: bodies of up to a page stay inline, uncompressed (migration i0006).
        {"postgresql_with": {"toast_tuple_target": 8160}},
    )

    credential_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    issuance_key: Mapped[str] = mapped_column(String(300))
    subject_id: Mapped[str] = mapped_column(String(160))
    record_version: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(32))
    holder_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    holder_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRow(Base):
    __tablename__ = "board_events"
    __table_args__ = (
        Index("ix_board_events_subject", "subject_id", "id"),
        Index("ix_board_events_credential", "credential_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(48))
    subject_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    credential_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    legal_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[str] = mapped_column(Text, default="{}")
