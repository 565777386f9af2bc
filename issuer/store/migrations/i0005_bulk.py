"""Bulk issuance's work plan: runs and the claims worker processes take batches by.

Revision ID: i0005
Revises: i0004
Create Date: 2026-12-04

See :mod:`issuer.bulk` for how workers claim (``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "i0005"
down_revision = "i0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("form", sa.String(32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_bulk_runs_form", "bulk_runs", ["form", "finished_at"])
    op.create_table(
        "bulk_claims",
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("bulk_runs.id"), primary_key=True),
        sa.Column("first_id", sa.Integer(), primary_key=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("bulk_claims")
    op.drop_index("ix_bulk_runs_form", table_name="bulk_runs")
    op.drop_table("bulk_runs")
