"""Create the OpenID4VCI tables: grants, access tokens, DPoP nonces and proofs, notifications.

Revision ID: i0003
Revises: i0002
Create Date: 2026-12-04

See :mod:`issuer.oid4vci.models`: codes, tokens and transaction codes are stored only as
digests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from issuer.status.models import UTCDateTime

revision = "i0003"
down_revision = "i0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_grants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject_id", sa.String(160), nullable=False),
        sa.Column("configuration_ids", sa.Text(), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("offer_digest", sa.String(64), nullable=False),
        sa.Column("tx_code_digest", sa.String(64), nullable=True),
        sa.Column("tx_code_salt", sa.String(64), nullable=True),
        sa.Column("tx_code_length", sa.Integer(), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(256), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("code_digest", name="uq_oid4vci_grants_code"),
        sa.UniqueConstraint("offer_digest", name="uq_oid4vci_grants_offer"),
    )
    op.create_index("ix_oid4vci_grants_subject", "oid4vci_grants", ["subject_id"])
    op.create_table(
        "oid4vci_tokens",
        sa.Column("token_digest", sa.String(64), primary_key=True),
        sa.Column("grant_id", sa.String(64), sa.ForeignKey("oid4vci_grants.id"), nullable=False),
        sa.Column("jkt", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_oid4vci_tokens_expires", "oid4vci_tokens", ["expires_at"])
    op.create_table(
        "oid4vci_dpop_nonces",
        sa.Column("value", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_oid4vci_dpop_nonces_expires", "oid4vci_dpop_nonces", ["expires_at"])
    op.create_table(
        "oid4vci_dpop_proofs",
        sa.Column("jti_digest", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_oid4vci_dpop_proofs_expires", "oid4vci_dpop_proofs", ["expires_at"])
    op.create_table(
        "oid4vci_notifications",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("grant_id", sa.String(64), sa.ForeignKey("oid4vci_grants.id"), nullable=False),
        sa.Column("subject_id", sa.String(160), nullable=False),
        sa.Column("credential_ids", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oid4vci_notifications")
    op.drop_table("oid4vci_dpop_proofs")
    op.drop_table("oid4vci_dpop_nonces")
    op.drop_table("oid4vci_tokens")
    op.drop_table("oid4vci_grants")
