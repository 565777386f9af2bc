"""The OpenID4VCI tables of a board (SQLAlchemy mapping), made by revision ``i0003``.

- ``oid4vci_grants``: one credential offer with its pre-authorized code. Neither the code, the
  offer's by-reference id nor the transaction code is stored: only their SHA-256 digests (the
  transaction code's with a salt of its own). A grant is redeemed once (``redeemed_at``),
  expires (``expires_at``), and locks after too many wrong transaction codes
  (``tx_code_failures``).
- ``oid4vci_tokens``: access tokens, by digest, each bound to one DPoP key thumbprint
  (RFC 9449 §6, ``cnf.jkt``) and short-lived.
- ``oid4vci_dpop_nonces``: the ``DPoP-Nonce`` values the server handed out (RFC 9449 §8),
  accepted until they expire.
- ``oid4vci_dpop_proofs``: the ``jti`` of every DPoP proof accepted while it could still be
  replayed (RFC 9449 §11.1), by digest.
- ``oid4vci_notifications``: the ``notification_id`` of each credential response, naming the
  grant and the credentials it delivered, so the wallet's notification lands in the event log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.status.models import UTCDateTime
from issuer.store.models import Base

__all__ = ["DpopNonceRow", "DpopProofRow", "GrantRow", "NotificationRow", "TokenRow"]


class GrantRow(Base):
    __tablename__ = "oid4vci_grants"
    __table_args__ = (
        UniqueConstraint("code_digest", name="uq_oid4vci_grants_code"),
        UniqueConstraint("offer_digest", name="uq_oid4vci_grants_offer"),
        Index("ix_oid4vci_grants_subject", "subject_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(160))
    configuration_ids: Mapped[str] = mapped_column(Text)
    code_digest: Mapped[str] = mapped_column(String(64))
    offer_digest: Mapped[str] = mapped_column(String(64))
    tx_code_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_salt: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TokenRow(Base):
    __tablename__ = "oid4vci_tokens"
    __table_args__ = (Index("ix_oid4vci_tokens_expires", "expires_at"),)

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(64), ForeignKey("oid4vci_grants.id"))
    jkt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DpopNonceRow(Base):
    __tablename__ = "oid4vci_dpop_nonces"
    __table_args__ = (Index("ix_oid4vci_dpop_nonces_expires", "expires_at"),)

    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DpopProofRow(Base):
    __tablename__ = "oid4vci_dpop_proofs"
    __table_args__ = (Index("ix_oid4vci_dpop_proofs_expires", "expires_at"),)

    jti_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationRow(Base):
    __tablename__ = "oid4vci_notifications"

    notification_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(64), ForeignKey("oid4vci_grants.id"))
    subject_id: Mapped[str] = mapped_column(String(160))
    credential_ids: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
