"""Create the OpenID4VP transactions table: one row per presentation the employer asked for.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

A transaction holds what the request object said (client_id, nonce, state, the DCQL query's
qualification, profile and formats), the ephemeral key of a ``direct_post.jwt`` response,
the hash of the read secret the employer's page holds, for a same-device flow the page's
path the wallet sends the browser back to and the hash of the response code it carries, and,
once the wallet answered, the verdict. ``answered_at`` is set by exactly one response (the
single-use gate); rows are deleted after ``keep_until``. The columns are written out here
rather than imported, so this revision stays what it was when later ones change the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vp_transactions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(128), nullable=False, unique=True),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("client_id", sa.String(2048), nullable=False),
        sa.Column("response_mode", sa.String(32), nullable=False),
        sa.Column("qualification", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("formats", sa.JSON, nullable=False),
        sa.Column("enc_key", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("keep_until", sa.BigInteger, nullable=False),
        sa.Column("answered_at", sa.BigInteger, nullable=True),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("return_path", sa.String(512), nullable=True),
        sa.Column("response_code_hash", sa.String(64), nullable=True),
        sa.Index("ix_oid4vp_transactions_keep_until", "keep_until"),
    )


def downgrade() -> None:
    op.drop_table("oid4vp_transactions")
