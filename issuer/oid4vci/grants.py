""":class:`GrantStore`: the OpenID4VCI tables of :mod:`issuer.oid4vci.models`, in SQL.

Each method is one transaction on the board's engine (:meth:`issuer.store.BoardStore.transact`).
What must happen once happens in the database, so it holds across processes sharing a
PostgreSQL board: a pre-authorized code is redeemed by the one transaction that locks its grant
row and finds it unredeemed; a wrong transaction code is counted in that same transaction, so
the attempts are limited however many processes guess; a DPoP proof's ``jti`` is claimed by one
``INSERT … ON CONFLICT DO NOTHING``, which only one request can win.

Secrets are looked up by digest (:func:`digest`): the database never holds a code, a token or
a transaction code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from issuer.oid4vci.models import DpopNonceRow, DpopProofRow, GrantRow, NotificationRow, TokenRow
from issuer.store import BoardStore

__all__ = ["Grant", "GrantStore", "Notification", "Redemption", "digest", "tx_code_digest"]


def digest(secret: str) -> str:
    """The hex SHA-256 under which a random secret (code, token, reference) is stored."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def tx_code_digest(tx_code: str, salt: str) -> str:
    """A transaction code's digest, salted per grant (short numeric codes would otherwise
    share digests across grants)."""
    return hmac.new(bytes.fromhex(salt), tx_code.encode("utf-8", "replace"), "sha256").hexdigest()


@dataclass(frozen=True)
class Grant:
    """A credential offer's grant as stored (no secrets)."""

    id: str
    subject_id: str
    configuration_ids: tuple[str, ...]
    tx_code_length: int | None
    expires_at: datetime
    redeemed_at: datetime | None


Redemption = Literal[
    "redeemed",
    "unknown",
    "expired",
    "used",
    "locked",
    "tx_code_wrong",
    "tx_code_missing",
    "tx_code_unexpected",
]


@dataclass(frozen=True)
class Notification:
    notification_id: str
    grant_id: str
    subject_id: str
    credential_ids: tuple[str, ...]


def _grant(row: GrantRow) -> Grant:
    return Grant(
        row.id,
        row.subject_id,
        tuple(json.loads(row.configuration_ids)),
        row.tx_code_length,
        row.expires_at,
        row.redeemed_at,
    )


_SILENT: Final = frozenset({"tx_code_missing", "tx_code_unexpected"})


def _refusal(
    row: GrantRow, tx_code: str | None, *, now: datetime, max_failures: int
) -> Redemption | None:
    """Why ``row`` cannot be redeemed with ``tx_code`` now (a wrong code is counted)."""
    if row.redeemed_at is not None:
        return "used"
    if now >= row.expires_at:
        return "expired"
    if row.tx_code_failures >= max_failures:
        return "locked"
    if (row.tx_code_digest is None) != (tx_code is None):
        return "tx_code_missing" if tx_code is None else "tx_code_unexpected"
    if row.tx_code_digest is not None and tx_code is not None:
        given = tx_code_digest(tx_code, row.tx_code_salt or "")
        if not hmac.compare_digest(given, row.tx_code_digest):
            row.tx_code_failures += 1
            return "tx_code_wrong"
    return None


class GrantStore:
    """Grants, access tokens, DPoP nonces and proofs, notifications (see the module)."""

    def __init__(self, store: BoardStore) -> None:
        self._store = store

    # -- grants ----------------------------------------------------------------------------------

    def add_grant(self, row: GrantRow) -> Grant:
        def work(session: Session) -> Grant:
            session.add(row)
            session.flush()
            return _grant(row)

        return self._store.transact(work)

    def grant_by_offer(self, offer_digest: str) -> Grant | None:
        def work(session: Session) -> Grant | None:
            row = session.scalars(
                sa.select(GrantRow).where(GrantRow.offer_digest == offer_digest)
            ).one_or_none()
            return None if row is None else _grant(row)

        return self._store.transact(work, durable=False)

    def grant(self, grant_id: str) -> Grant | None:
        def work(session: Session) -> Grant | None:
            row = session.get(GrantRow, grant_id)
            return None if row is None else _grant(row)

        return self._store.transact(work, durable=False)

    def redeem(
        self,
        code_digest: str,
        tx_code: str | None,
        *,
        token: TokenRow,
        now: datetime,
        max_failures: int,
    ) -> tuple[Redemption, Grant | None]:
        """Redeem the grant of a pre-authorized code and store ``token`` for it, once.

        A wrong transaction code is counted (and committed) without redeeming; at
        ``max_failures`` the grant is locked for good.
        """

        def work(session: Session) -> tuple[Redemption, Grant | None]:
            row = session.scalars(
                sa.select(GrantRow).where(GrantRow.code_digest == code_digest).with_for_update()
            ).one_or_none()
            if row is None:
                return "unknown", None
            refusal = _refusal(row, tx_code, now=now, max_failures=max_failures)
            if refusal is not None:
                return refusal, None if refusal in _SILENT else _grant(row)
            row.redeemed_at = now
            session.execute(sa.delete(TokenRow).where(TokenRow.expires_at < now))
            token.grant_id = row.id
            session.add(token)
            session.flush()
            return "redeemed", _grant(row)

        return self._store.transact(work)

    # -- access tokens ---------------------------------------------------------------------------

    def token(self, token_digest: str, *, now: datetime) -> tuple[TokenRow, Grant] | None:
        """The unexpired token stored under ``token_digest`` and its grant, or ``None``."""

        def work(session: Session) -> tuple[TokenRow, Grant] | None:
            row = session.get(TokenRow, token_digest)
            if row is None or now >= row.expires_at:
                return None
            grant = session.get(GrantRow, row.grant_id)
            return None if grant is None else (row, _grant(grant))

        return self._store.transact(work, durable=False)

    # -- DPoP nonces and proofs ------------------------------------------------------------------

    def add_dpop_nonce(self, value: str, *, expires_at: datetime, now: datetime) -> None:
        """Store a new ``DPoP-Nonce`` value, forgetting those that have expired."""

        def work(session: Session) -> None:
            session.execute(sa.delete(DpopNonceRow).where(DpopNonceRow.expires_at < now))
            session.add(DpopNonceRow(value=value, expires_at=expires_at))

        self._store.transact(work, durable=False)

    def dpop_nonce_valid(self, value: str, *, now: datetime) -> bool:
        def work(session: Session) -> bool:
            row = session.get(DpopNonceRow, value)
            return row is not None and now < row.expires_at

        return self._store.transact(work, durable=False)

    def claim_jti(self, jti_digest: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record a DPoP proof's ``jti``: True the first time, False for a replay."""

        def work(session: Session) -> bool:
            session.execute(sa.delete(DpopProofRow).where(DpopProofRow.expires_at < now))
            values = {"jti_digest": jti_digest, "expires_at": expires_at}
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = (
                insert(DpopProofRow)
                .values(**values)
                .on_conflict_do_nothing()
                .returning(DpopProofRow.jti_digest)
            )
            return session.execute(statement).first() is not None

        return self._store.transact(work)

    # -- notifications ---------------------------------------------------------------------------

    def add_notification(
        self,
        notification_id: str,
        *,
        grant: Grant,
        credential_ids: Sequence[str],
        now: datetime,
    ) -> None:
        row = NotificationRow(
            notification_id=notification_id,
            grant_id=grant.id,
            subject_id=grant.subject_id,
            credential_ids=json.dumps(list(credential_ids)),
            created_at=now,
        )
        self._store.transact(lambda session: session.add(row))

    def notification(self, notification_id: str) -> Notification | None:
        def work(session: Session) -> Notification | None:
            row = session.get(NotificationRow, notification_id)
            if row is None:
                return None
            ids = tuple(json.loads(row.credential_ids))
            return Notification(row.notification_id, row.grant_id, row.subject_id, ids)

        return self._store.transact(work, durable=False)
