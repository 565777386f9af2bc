"""Create the board's tables: register records, issued credentials and the event log.

Revision ID: i0001
Revises:
Create Date: 2026-12-04

``board_events`` is append-only in the database itself, as the status registry's audit log
is: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "i0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER board_events_no_{event.lower()} BEFORE {event} ON board_events
       BEGIN SELECT RAISE(ABORT, 'board_events is append-only'); END"""
    for event in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION board_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""",
    """CREATE TRIGGER board_events_no_change BEFORE UPDATE OR DELETE ON board_events
       FOR EACH ROW EXECUTE FUNCTION board_events_append_only()""",
    """CREATE TRIGGER board_events_no_truncate BEFORE TRUNCATE ON board_events
       FOR EACH STATEMENT EXECUTE FUNCTION board_events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "register_records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.String(160), nullable=False),
        sa.Column("qualification_id", sa.String(64), nullable=False),
        sa.Column("license_number", sa.String(64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("standing", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("subject_id", name="uq_register_records_subject"),
        sa.CheckConstraint("version >= 1", name="ck_register_records_version"),
    )
    op.create_index(
        "ix_register_records_qualification", "register_records", ["qualification_id", "id"]
    )
    op.create_table(
        "issued_credentials",
        sa.Column("credential_id", sa.String(200), primary_key=True),
        sa.Column("issuance_key", sa.String(300), nullable=False),
        sa.Column("subject_id", sa.String(160), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("holder_mode", sa.String(16), nullable=True),
        sa.Column("holder_key", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuance_key", name="uq_issued_credentials_issuance"),
    )
    op.create_index("ix_issued_credentials_subject", "issued_credentials", ["subject_id"])
    op.create_table(
        "board_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("subject_id", sa.String(160), nullable=True),
        sa.Column("credential_id", sa.String(200), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_index("ix_board_events_subject", "board_events", ["subject_id", "id"])
    op.create_index("ix_board_events_credential", "board_events", ["credential_id"])
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TABLE board_events")
        op.execute("DROP FUNCTION board_events_append_only()")
    else:
        op.drop_table("board_events")
    op.drop_table("issued_credentials")
    op.drop_table("register_records")
