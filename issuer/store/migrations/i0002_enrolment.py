"""Create ``enrolments``: holder keys enrolled with the My Number Card, and their links.

Revision ID: i0002
Revises: i0001
Create Date: 2026-12-04

See :mod:`issuer.store.enrolments`: the row holds a salted hash of the card certificate,
never the certificate, its serial or the My Number.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "i0002"
down_revision = "i0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_id", sa.String(160), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("holder_jwk", sa.Text(), nullable=False),
        sa.Column("holder_thumbprint", sa.String(64), nullable=False),
        sa.Column("x5t_s256", sa.String(64), nullable=True),
        sa.Column("link", sa.String(64), nullable=False),
        sa.Column("card_key", sa.String(8), nullable=False),
        sa.Column("revocation", sa.String(16), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("subject_id", "mode", "holder_thumbprint", name="uq_enrolments_key"),
    )
    op.create_index("ix_enrolments_subject", "enrolments", ["subject_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_enrolments_subject", table_name="enrolments")
    op.drop_table("enrolments")
