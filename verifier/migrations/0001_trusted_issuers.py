"""Create the trust registry's table: which issuers may issue which qualifications.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

One row per trusted issuer, in the JSON form of ``TrustedIssuer.to_json`` (issue 9). The
columns are written out here rather than imported, so this revision stays what it was when
later ones change the table; a test checks it builds exactly ``verifier.trust_sql``'s table.
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
        "trusted_issuers",
        sa.Column("id", sa.String(4096), primary_key=True),
        sa.Column("name_ja", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("qualifications", sa.JSON, nullable=False),
        sa.Column("vcts", sa.JSON, nullable=False),
        sa.Column("did_document", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("x509_roots", sa.JSON, nullable=False),
        sa.Column("jwt_vc_issuer", sa.JSON(none_as_null=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("trusted_issuers")
