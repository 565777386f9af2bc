"""Where OpenID4VP transactions wait for their wallet, and where their verdicts are kept.

One row per transaction (``oid4vp_transactions``, created by revision ``0002`` of
:mod:`verifier.migrations`, in the verifier's database: SQLite by default, PostgreSQL when
several instances serve one employer). Answering is single use, and the database's doing:
:meth:`SqlTransactions.claim` is one ``UPDATE … SET answered_at = :now WHERE id = :id AND
answered_at IS NULL RETURNING …``, which exactly one response can win however many instances
receive copies of it; every later one is ``oid4vp.transaction_answered``. A claimed
transaction's ephemeral decryption key is erased with its verdict. Rows (and verdicts) are
deleted after ``keep_until`` (:meth:`purge`). Times are integer microseconds since the epoch.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from service_kit.db import transact
from vc_core.errors import Oid4vpError

__all__ = ["TRANSACTIONS", "SqlTransactions", "Transaction", "new_secret"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID: Final = 64

TRANSACTIONS: Final = sa.Table(
    "oid4vp_transactions",
    sa.MetaData(),
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


def new_secret() -> str:
    """A random value of 256 bits (transaction ids, states, read secrets)."""
    return secrets.token_urlsafe(32)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, repr=False)
class Transaction:
    """One request for a presentation, and its verdict once answered."""

    id: str
    state: str
    nonce: str
    client_id: str
    response_mode: str
    qualification: str
    profile: str
    formats: tuple[str, ...]
    enc_key: dict[str, str] | None
    created_at: datetime
    expires_at: datetime
    keep_until: datetime
    answered_at: datetime | None = None
    result: dict[str, Any] | None = None
    secret_hash: str = ""
    return_path: str | None = None
    """Same device: the page's path the wallet's browser returns to, with a response code."""
    response_code_hash: str | None = None

    def __repr__(self) -> str:
        return f"Transaction({self.id[:8]}…, {self.qualification}/{self.profile})"

    def expired(self, now: datetime) -> bool:
        return now > self.expires_at

    def status(self, now: datetime) -> str:
        """``pending``, ``verifying`` (claimed, no verdict yet), ``done`` or ``expired``."""
        if self.result is not None:
            return "done"
        if self.answered_at is not None:
            return "verifying"
        return "expired" if self.expired(now) else "pending"

    def readable_with(self, secret: str | None, response_code: str | None = None) -> bool:
        """The read secret matches, and so does the response code when one was handed out
        (same device: only the browser the wallet returned to can read the verdict)."""
        if not isinstance(secret, str) or not hmac.compare_digest(_hash(secret), self.secret_hash):
            return False
        if self.response_code_hash is None:
            return True
        return isinstance(response_code, str) and hmac.compare_digest(
            _hash(response_code), self.response_code_hash
        )


class SqlTransactions:
    """Transactions in the ``oid4vp_transactions`` table (see the module)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, transaction: Transaction, secret: str) -> Transaction:
        secret_hash = _hash(secret)
        row: dict[str, Any] = {
            "id": transaction.id,
            "secret_hash": secret_hash,
            "state": transaction.state,
            "nonce": transaction.nonce,
            "client_id": transaction.client_id,
            "response_mode": transaction.response_mode,
            "qualification": transaction.qualification,
            "profile": transaction.profile,
            "formats": list(transaction.formats),
            "enc_key": transaction.enc_key,
            "created_at": _micros(transaction.created_at),
            "expires_at": _micros(transaction.expires_at),
            "keep_until": _micros(transaction.keep_until),
            "return_path": transaction.return_path,
        }

        def work(session: Session) -> None:
            session.execute(sa.insert(TRANSACTIONS).values(**row))

        transact(self._engine, work, durable=False)
        return replace(transaction, secret_hash=secret_hash)

    def get(self, transaction_id: str, *, now: datetime) -> Transaction:
        """The transaction, or ``oid4vp.transaction_unknown`` (never made, or purged)."""
        return self._one(TRANSACTIONS.c.id == transaction_id, transaction_id, now)

    def by_state(self, state: str, *, now: datetime) -> Transaction:
        return self._one(TRANSACTIONS.c.state == state, state, now)

    def _one(self, where: Any, value: Any, now: datetime) -> Transaction:
        if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID * 2:
            raise Oid4vpError("oid4vp.transaction_unknown")
        query = sa.select(TRANSACTIONS).where(where, TRANSACTIONS.c.keep_until >= _micros(now))

        def work(session: Session) -> Any:
            return session.execute(query).mappings().first()

        row = transact(self._engine, work, durable=False)
        if row is None:
            raise Oid4vpError("oid4vp.transaction_unknown")
        return _transaction(row)

    def claim(self, transaction_id: str, *, now: datetime) -> Transaction:
        """Mark the transaction answered, once; ``oid4vp.transaction_answered`` after that,
        ``oid4vp.transaction_expired`` when it expired first (and it stays unanswerable)."""
        moment = _micros(now)
        update = (
            sa.update(TRANSACTIONS)
            .where(
                TRANSACTIONS.c.id == transaction_id,
                TRANSACTIONS.c.answered_at.is_(None),
                TRANSACTIONS.c.keep_until >= moment,
            )
            .values(answered_at=moment)
            .returning(*TRANSACTIONS.c)
        )

        def work(session: Session) -> Any:
            row = session.execute(update).mappings().first()
            if row is not None:
                return row
            known = session.execute(
                sa.select(TRANSACTIONS.c.id).where(TRANSACTIONS.c.id == transaction_id)
            ).first()
            return known is not None

        claimed = transact(self._engine, work)
        if claimed is True:
            raise Oid4vpError("oid4vp.transaction_answered")
        if claimed is False:
            raise Oid4vpError("oid4vp.transaction_unknown")
        transaction = _transaction(claimed)
        if transaction.expired(now):
            raise Oid4vpError(
                "oid4vp.transaction_expired", expired_at=transaction.expires_at.isoformat()
            )
        return transaction

    def finish(
        self, transaction_id: str, result: dict[str, Any], *, response_code: str | None = None
    ) -> None:
        """Keep the verdict (and the hash of the response code that reads it), and forget the
        decryption key."""
        code_hash = None if response_code is None else _hash(response_code)
        update = (
            sa.update(TRANSACTIONS)
            .where(TRANSACTIONS.c.id == transaction_id)
            .values(result=result, enc_key=None, response_code_hash=code_hash)
        )

        def work(session: Session) -> None:
            session.execute(update)

        transact(self._engine, work)

    def purge(self, *, now: datetime) -> int:
        """Delete transactions (and verdicts) past ``keep_until``; return how many."""
        delete = sa.delete(TRANSACTIONS).where(TRANSACTIONS.c.keep_until < _micros(now))

        def work(session: Session) -> int:
            return int(session.execute(delete).rowcount)  # type: ignore[attr-defined]

        return transact(self._engine, work, durable=False)


def _transaction(row: Any) -> Transaction:
    return Transaction(
        id=row["id"],
        state=row["state"],
        nonce=row["nonce"],
        client_id=row["client_id"],
        response_mode=row["response_mode"],
        qualification=row["qualification"],
        profile=row["profile"],
        formats=tuple(row["formats"]),
        enc_key=row["enc_key"],
        created_at=_from_micros(row["created_at"]),
        expires_at=_from_micros(row["expires_at"]),
        keep_until=_from_micros(row["keep_until"]),
        answered_at=None if row["answered_at"] is None else _from_micros(row["answered_at"]),
        result=row["result"],
        secret_hash=row["secret_hash"],
        return_path=row["return_path"],
        response_code_hash=row["response_code_hash"],
    )


def _micros(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)
