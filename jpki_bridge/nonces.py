"""Nonce stores for binding challenges: issued once, consumed once (ARCHITECTURE.md, "Services").

A verifier issues a :class:`~jpki_bridge.binding.Challenge`, keeps it in a
:class:`NonceStore`, and consumes it when the proof comes back.
:meth:`NonceStore.consume` is the single-use gate:

- a nonce never issued (or purged) → ``card.nonce_unknown``;
- a nonce already consumed → ``card.nonce_reused``;
- a nonce past its expiry → ``card.challenge_expired`` (and it is used up).

Two implementations: :class:`InMemoryNonceStore` for one process, and
:class:`SqlNonceStore` over SQLAlchemy for SQLite (embedded default) and
PostgreSQL (several verifier instances). In SQL, single use is enforced by the
database, not by the process: consuming is one ``UPDATE … SET consumed_at
WHERE nonce = :n AND consumed_at IS NULL RETURNING …``, which exactly one
transaction can win however many processes race for it. Times are stored as
integer microseconds since the Unix epoch, so every database compares them
the same way.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

import sqlalchemy as sa

from jpki_bridge.challenge import Challenge
from vc_core.errors import CardError

__all__ = ["InMemoryNonceStore", "NonceStore", "SqlNonceStore", "issue_challenge"]


class NonceStore(Protocol):
    """Where issued challenges wait for their proof."""

    def issue(self, challenge: Challenge) -> None:
        """Remember a newly issued challenge (its nonce must be new)."""
        ...

    def consume(self, nonce: str, *, now: dt.datetime) -> Challenge:
        """Use the nonce up and return its challenge; raise the codes above."""
        ...

    def purge(self, *, before: dt.datetime) -> int:
        """Forget challenges that expired before ``before``; return how many."""
        ...


def issue_challenge(
    store: NonceStore,
    audience: str,
    purpose: str,
    *,
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(minutes=5),
) -> Challenge:
    """Make a fresh challenge and keep it in ``store``."""
    challenge = Challenge.new(audience, purpose, now=now, ttl=ttl)
    store.issue(challenge)
    return challenge


class InMemoryNonceStore:
    """Challenges in a dict behind a lock: correct within one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenges: dict[str, Challenge] = {}
        self._consumed: set[str] = set()

    def issue(self, challenge: Challenge) -> None:
        with self._lock:
            if challenge.nonce in self._challenges:
                raise CardError("card.challenge_invalid", "the nonce was issued before")
            self._challenges[challenge.nonce] = challenge

    def consume(self, nonce: str, *, now: dt.datetime) -> Challenge:
        with self._lock:
            challenge = self._challenges.get(nonce)
            if challenge is None:
                raise CardError("card.nonce_unknown")
            if nonce in self._consumed:
                raise CardError("card.nonce_reused")
            self._consumed.add(nonce)
        return _unexpired(challenge, now)

    def purge(self, *, before: dt.datetime) -> int:
        with self._lock:
            old = [n for n, c in self._challenges.items() if c.expires_at < before]
            for nonce in old:
                del self._challenges[nonce]
                self._consumed.discard(nonce)
            return len(old)


class SqlNonceStore:
    """Challenges in a SQL table; single use enforced by the database across processes."""

    def __init__(self, engine: sa.Engine, *, table: str = "jpki_binding_nonces") -> None:
        self._engine = engine
        metadata = sa.MetaData()
        self._table = sa.Table(
            table,
            metadata,
            sa.Column("nonce", sa.String(128), primary_key=True),
            sa.Column("audience", sa.String(2048), nullable=False),
            sa.Column("purpose", sa.String(64), nullable=False),
            sa.Column("issued_at", sa.BigInteger, nullable=False),
            sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
            sa.Column("consumed_at", sa.BigInteger, nullable=True),
        )
        self._metadata = metadata

    @classmethod
    def from_url(cls, url: str, *, table: str = "jpki_binding_nonces") -> SqlNonceStore:
        """A store on a database URL (``sqlite:///file.db``, ``postgresql+psycopg://…``)."""
        store = cls(sa.create_engine(url), table=table)
        store.create()
        return store

    def create(self) -> None:
        """Create the table if it does not exist."""
        self._metadata.create_all(self._engine)

    def drop(self) -> None:
        """Drop the table (tests and uninstall)."""
        self._metadata.drop_all(self._engine)

    def issue(self, challenge: Challenge) -> None:
        row = {
            "nonce": challenge.nonce,
            "audience": challenge.audience,
            "purpose": challenge.purpose,
            "issued_at": _micros(challenge.issued_at),
            "expires_at": _micros(challenge.expires_at),
            "consumed_at": None,
        }
        try:
            with self._engine.begin() as connection:
                connection.execute(sa.insert(self._table).values(**row))
        except sa.exc.IntegrityError as exc:
            raise CardError("card.challenge_invalid", "the nonce was issued before") from exc

    def consume(self, nonce: str, *, now: dt.datetime) -> Challenge:
        table = self._table
        claim = (
            sa.update(table)
            .where(table.c.nonce == nonce, table.c.consumed_at.is_(None))
            .values(consumed_at=_micros(now))
            .returning(table.c.audience, table.c.purpose, table.c.issued_at, table.c.expires_at)
        )
        with self._engine.begin() as connection:
            row = connection.execute(claim).first()
            if row is None:
                known = connection.execute(
                    sa.select(table.c.nonce).where(table.c.nonce == nonce)
                ).first()
                raise CardError("card.nonce_reused" if known else "card.nonce_unknown")
        challenge = Challenge(
            nonce=nonce,
            audience=row.audience,
            purpose=row.purpose,
            issued_at=_from_micros(row.issued_at),
            expires_at=_from_micros(row.expires_at),
        )
        return _unexpired(challenge, now)

    def purge(self, *, before: dt.datetime) -> int:
        table = self._table
        with self._engine.begin() as connection:
            result = connection.execute(
                sa.delete(table).where(table.c.expires_at < _micros(before))
            )
        return int(result.rowcount)


def _unexpired(challenge: Challenge, now: dt.datetime) -> Challenge:
    if now > challenge.expires_at:
        raise CardError("card.challenge_expired", expired_at=challenge.expires_at.isoformat())
    return challenge


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _from_micros(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)
