"""Create the status registry: lists, entries, schedules, the audit log and publications.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

The audit log and the allocations are append-only in the database itself: triggers refuse
UPDATE and DELETE on ``status_audit`` and ``status_entries``, so not even a buggy or
compromised application process can rewrite history, or free an index for reuse, without the
privileges to drop the triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = ("status_audit", "status_entries")
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
    for table in _APPEND_ONLY
    for event in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION status_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""",
    *(
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION status_append_only()"""
        for table in _APPEND_ONLY
    ),
    *(
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION status_append_only()"""
        for table in _APPEND_ONLY
    ),
]


def upgrade() -> None:
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(1024), nullable=False, unique=True),
        sa.Column("issuer", sa.String(1024), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status_size", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("perm_key", sa.LargeBinary(), nullable=False),
        sa.Column("bitstring", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuer", "purpose", "seq", name="uq_status_lists_seq"),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= size", name="ck_status_lists_allocated"
        ),
    )
    op.create_table(
        "status_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("status_lists.id"), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("credential_id", sa.String(1024), nullable=False),
        sa.Column("subject_id", sa.String(1024), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("list_id", "idx", name="uq_status_entries_index"),
        sa.UniqueConstraint("credential_id", "purpose", name="uq_status_entries_purpose"),
    )
    op.create_index("ix_status_entries_subject", "status_entries", ["subject_id"])
    op.create_table(
        "status_schedules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("credential_id", sa.String(1024), nullable=True),
        sa.Column("subject_id", sa.String(1024), nullable=True),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(credential_id IS NULL) <> (subject_id IS NULL)", name="ck_status_schedules_target"
        ),
    )
    op.create_index("ix_status_schedules_credential", "status_schedules", ["credential_id"])
    op.create_index("ix_status_schedules_subject", "status_schedules", ["subject_id"])
    op.create_table(
        "status_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("credential_id", sa.String(1024), nullable=True),
        sa.Column("subject_id", sa.String(1024), nullable=True),
        sa.Column("purpose", sa.String(32), nullable=True),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("idx", sa.Integer(), nullable=True),
        sa.Column("old_value", sa.Integer(), nullable=True),
        sa.Column("new_value", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_status_audit_credential", "status_audit", ["credential_id"])
    op.create_table(
        "status_publications",
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("status_lists.id"), primary_key=True),
        sa.Column("format", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(128), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=False),
        sa.Column("ttl_seconds", sa.Integer(), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
        op.execute("DROP FUNCTION status_append_only()")
    for table in (
        "status_publications",
        "status_audit",
        "status_schedules",
        "status_entries",
        "status_lists",
    ):
        op.drop_table(table)
