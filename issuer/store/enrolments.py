"""The ``enrolments`` table: which holder keys a subject enrolled with the My Number Card.

One row per subject, binding mode and holder key (see :mod:`issuer.enrolment`). A row keeps the
holder's public key (and, in card mode, the certificate's ``x5t#S256`` the credential's
``cnf`` carries anyway) and the *link*: an HMAC-SHA-256, under the board's enrolment secret,
of the card certificate that was verified. The certificate itself, its serial number, the four
facts and the My Number are never stored: 公的個人認証法 does not let a service provider keep
them, and the link is enough to recognise the same certificate again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.status.models import UTCDateTime
from issuer.store.models import Base

__all__ = ["EnrolmentRow"]


class EnrolmentRow(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("subject_id", "mode", "holder_thumbprint", name="uq_enrolments_key"),
        Index("ix_enrolments_subject", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(160))
    mode: Mapped[str] = mapped_column(String(16))
    holder_jwk: Mapped[str] = mapped_column(Text)
    holder_thumbprint: Mapped[str] = mapped_column(String(64))
    x5t_s256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    link: Mapped[str] = mapped_column(String(64))
    card_key: Mapped[str] = mapped_column(String(8))
    revocation: Mapped[str] = mapped_column(String(16))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
