"""Create ``board_keys``: the keys a did:web board has signed with, current and retired.

Revision ID: i0004
Revises: i0003
Create Date: 2026-12-04

The board's ``/.well-known/did.json`` lists its current keys and the keys it retired until the
credentials they signed expire (:mod:`issuer.identity`), so a key rotation never makes a
credential already issued unverifiable.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "i0004"
down_revision = "i0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_keys",
        sa.Column("verification_method", sa.String(600), primary_key=True),
        sa.Column("did", sa.String(500), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("first_used", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("keep_until", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_board_keys_did", "board_keys", ["did"])


def downgrade() -> None:
    op.drop_index("ix_board_keys_did", table_name="board_keys")
    op.drop_table("board_keys")
