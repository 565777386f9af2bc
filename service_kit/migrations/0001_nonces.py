"""Create the nonce store: nonces a service issued, each consumed at most once.

Revision ID: 0001
Revises:
Create Date: 2026-12-01

Times are integer microseconds since the Unix epoch, so SQLite and PostgreSQL compare them the
same way (see :mod:`service_kit.nonces`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nonces",
        sa.Column("value", sa.String(128), primary_key=True),
        sa.Column("audience", sa.String(2048), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("consumed_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_nonces_expires_at", "nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_nonces_expires_at", table_name="nonces")
    op.drop_table("nonces")
