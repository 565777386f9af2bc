"""Nonces a service issues and accepts once: presentation challenges and card-binding challenges.

ARCHITECTURE.md ("Services and storage"; issue 9, "Nonces"): a verifier issues a nonce for one
audience and one purpose, with an expiry; the presentation (or the card's binding proof, see
:mod:`jpki_bridge.binding`) that comes back carries it, and :meth:`NonceStore.consume` uses it
up. Consuming is the single-use gate:

- a nonce never issued, or purged after it expired → ``nonce.unknown``;
- a nonce consumed before → ``nonce.reused`` (the presentation is a replay);
- a nonce past its expiry → ``nonce.expired``;
- a nonce issued for another audience or purpose → ``nonce.mismatch`` (``details["field"]``
  says which; an audience of None is not compared).

The first consumption wins whatever it finds: an expired or mismatched nonce is used up as
well, so it can never be tried again.

Two stores: :class:`InMemoryNonceStore` for one process, and :class:`SqlNonceStore` for SQLite
(the default) or PostgreSQL (several instances sharing their nonces), whose table the
migrations of :data:`service_kit.migrate.KIT_MIGRATIONS` create. In SQL, single use is the
database's doing, not the process's: consuming is one ``UPDATE nonces SET consumed_at = :now
WHERE value = :value AND consumed_at IS NULL RETURNING …``, which exactly one transaction can
win however many processes race for it (PostgreSQL re-checks the condition against the row a
concurrent transaction committed; SQLite has one writer at a time). Times are stored as integer
microseconds since the Unix epoch, so both databases compare them the same way.

Consumptions are committed in groups: the threads of one process that consume at the same
moment queue their claims, and one of them (the leader) runs every queued claim — each its
own ``UPDATE … RETURNING``, in arrival order — in one transaction with one durable commit, then
hands each thread its own answer and the lead to the next queued claim. No thread learns its
nonce was accepted before the commit that used it up is on disk, and the single-use gate stays
the database's: two claims of one value in one group are two statements, and the second finds
the nonce consumed. One commit per group instead of one per presentation is what lets a busy
verifier wait for the disk without waiting in line for it.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from service_kit.db import DEFAULT_RETRIES, ping, transact, transact_connection
from vc_core.errors import NonceError, RequestError, StorageError

__all__ = [
    "NONCES",
    "InMemoryNonceStore",
    "Nonce",
    "NonceStore",
    "SqlNonceStore",
]

_MAX_VALUE: Final = 128
_MAX_AUDIENCE: Final = 2048
_MAX_PURPOSE: Final = 64
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# The most claims one group commit runs; more wait for the next group.
_MAX_GROUP: Final = 256


@dataclass(frozen=True)
class Nonce:
    """An issued nonce: its value, whom and what it is for, and when it stops being accepted."""

    value: str
    audience: str
    purpose: str
    issued_at: datetime
    expires_at: datetime


class NonceStore(Protocol):
    """Where issued nonces wait to be consumed (see the module for the codes)."""

    def issue(self, *, audience: str, purpose: str, ttl: timedelta, now: datetime) -> Nonce:
        """A new nonce (32 random bytes, base64url) for ``audience`` and ``purpose``."""
        ...

    def consume(self, value: str, *, audience: str | None, purpose: str, now: datetime) -> Nonce:
        """Use the nonce up, atomically, and return it; raise a ``nonce.*`` code."""
        ...

    def purge(self, *, before: datetime) -> int:
        """Forget nonces that expired before ``before``; return how many."""
        ...


def _new_value() -> str:
    return secrets.token_urlsafe(32)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise RequestError("request.invalid", "nonce times must be timezone-aware")
    return moment.astimezone(UTC)


def _validity(
    audience: str, purpose: str, ttl: timedelta, now: datetime
) -> tuple[datetime, datetime]:
    """``(issued_at, expires_at)`` of a nonce about to be issued, once its inputs are checked."""
    if not audience or len(audience) > _MAX_AUDIENCE:
        raise RequestError("request.invalid", f"a nonce's audience has 1 to {_MAX_AUDIENCE} chars")
    if not purpose or len(purpose) > _MAX_PURPOSE:
        raise RequestError("request.invalid", f"a nonce's purpose has 1 to {_MAX_PURPOSE} chars")
    if ttl <= timedelta(0):
        raise RequestError("request.invalid", "a nonce's lifetime must be positive")
    issued = _utc(now)
    return issued, issued + ttl


def _plausible(value: object) -> bool:
    """False for what no store ever issued, so it is refused without a database round trip."""
    return isinstance(value, str) and 0 < len(value) <= _MAX_VALUE


def _accepted(nonce: Nonce, *, audience: str | None, purpose: str, now: datetime) -> Nonce:
    """The checks after a nonce was claimed (and so used up): expiry, audience, purpose."""
    if now > nonce.expires_at:
        raise NonceError("nonce.expired", expired_at=nonce.expires_at.isoformat())
    if audience is not None and nonce.audience != audience:
        raise NonceError(
            "nonce.mismatch", "the nonce was issued for another audience", field="audience"
        )
    if nonce.purpose != purpose:
        raise NonceError(
            "nonce.mismatch", "the nonce was issued for another purpose", field="purpose"
        )
    return nonce


class InMemoryNonceStore:
    """Nonces in a dict behind a lock: correct within one process, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._nonces: dict[str, Nonce] = {}
        self._consumed: set[str] = set()

    def issue(self, *, audience: str, purpose: str, ttl: timedelta, now: datetime) -> Nonce:
        issued_at, expires_at = _validity(audience, purpose, ttl, now)
        with self._lock:
            value = _new_value()
            while value in self._nonces:  # 256 random bits: never, but never overwrite either.
                value = _new_value()
            nonce = Nonce(value, audience, purpose, issued_at, expires_at)
            self._nonces[value] = nonce
        return nonce

    def consume(self, value: str, *, audience: str | None, purpose: str, now: datetime) -> Nonce:
        moment = _utc(now)
        with self._lock:
            nonce = self._nonces.get(value) if _plausible(value) else None
            if nonce is None:
                raise NonceError("nonce.unknown")
            if value in self._consumed:
                raise NonceError("nonce.reused")
            self._consumed.add(value)
        return _accepted(nonce, audience=audience, purpose=purpose, now=moment)

    def purge(self, *, before: datetime) -> int:
        cutoff = _utc(before)
        with self._lock:
            old = [value for value, nonce in self._nonces.items() if nonce.expires_at < cutoff]
            for value in old:
                del self._nonces[value]
                self._consumed.discard(value)
            return len(old)


#: The nonce table, as :data:`~service_kit.migrate.KIT_MIGRATIONS` creates it.
NONCES: Final = sa.Table(
    "nonces",
    sa.MetaData(),
    sa.Column("value", sa.String(_MAX_VALUE), primary_key=True),
    sa.Column("audience", sa.String(_MAX_AUDIENCE), nullable=False),
    sa.Column("purpose", sa.String(_MAX_PURPOSE), nullable=False),
    sa.Column("issued_at", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("consumed_at", sa.BigInteger(), nullable=True),
    sa.Index("ix_nonces_expires_at", "expires_at"),
)


class SqlNonceStore:
    """Nonces in the ``nonces`` table; single use enforced by the database across processes.

    ``durable`` makes each consumption wait for the disk before it is accepted, so not even a
    power cut can make a used nonce usable again. Issuing and purging never wait: losing an
    issued nonce only refuses its presentation (``nonce.unknown``), which fails closed.
    """

    def __init__(
        self, engine: sa.Engine, *, durable: bool = True, retries: int = DEFAULT_RETRIES
    ) -> None:
        self._engine = engine
        self._durable = durable
        self._retries = retries
        # The group commit (see the module): claims waiting for a leader, and whether one leads.
        self._queue_lock = threading.Lock()
        self._queue: list[_Claim] = []
        self._leading = False
        # SQLite: the processes sharing the file take turns at writing through a lock file.
        # SQLite's own wait for its lock sleeps in growing steps (up to 100 ms at a time), which
        # under steady contention between two processes put whole groups in the tail; a
        # blocking flock hands the turn over as soon as it is released.
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._turns = (
            Path(database + ".nonces.lock") if database and database != ":memory:" else None
        )
        self._claim_sql = _Compiled.of(_CLAIM, engine.dialect)
        self._known_sql = _Compiled.of(_KNOWN, engine.dialect)

    def issue(self, *, audience: str, purpose: str, ttl: timedelta, now: datetime) -> Nonce:
        issued_at, expires_at = _validity(audience, purpose, ttl, now)

        def work(session: Session) -> Nonce:
            # A new value on every attempt, so even an impossible collision is retried away.
            nonce = Nonce(_new_value(), audience, purpose, issued_at, expires_at)
            session.execute(
                sa.insert(NONCES).values(
                    value=nonce.value,
                    audience=audience,
                    purpose=purpose,
                    issued_at=_micros(issued_at),
                    expires_at=_micros(expires_at),
                )
            )
            return nonce

        with self._turn():
            return transact(
                self._engine, work, durable=False, retry_unique=True, retries=self._retries
            )

    def consume(self, value: str, *, audience: str | None, purpose: str, now: datetime) -> Nonce:
        moment = _utc(now)
        if not _plausible(value):
            raise NonceError("nonce.unknown")
        claim = _Claim(value, _micros(moment))
        with self._queue_lock:
            self._queue.append(claim)
            first = not self._leading
            if first:
                self._leading = claim.leads = True
        # Decided under the lock, not by reading claim.leads again: a leader may hand this
        # claim the lead (releasing it) before this thread gets here, and the release must
        # then be the one this acquire takes, or the claim's own release at the end of its
        # lead would find the lock unlocked.
        if not first:
            claim.done.acquire()  # Answered by a leader, or handed the lead.
        if claim.leads:
            self._lead()
        if claim.error is not None:
            raise claim.error
        # The claim is committed before the checks below: a refused nonce stays used up.
        if claim.found is True:
            raise NonceError("nonce.reused")
        if claim.found is None or claim.found is False:
            raise NonceError("nonce.unknown")
        found_audience, found_purpose, issued_at, expires_at = claim.found
        nonce = Nonce(
            value, found_audience, found_purpose, _from_micros(issued_at), _from_micros(expires_at)
        )
        return _accepted(nonce, audience=audience, purpose=purpose, now=moment)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's turn at writing to a SQLite file (see ``__init__``); PostgreSQL's
        row locks need none."""
        if self._turns is None:
            yield
            return
        try:
            handle = os.open(self._turns, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(
                "storage.unavailable", f"the nonce lock file cannot be opened: {exc.strerror}"
            ) from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)  # Waits in the kernel, without the GIL.
            yield
        finally:
            os.close(handle)  # Closing the file releases the lock.

    def _lead(self) -> None:
        """Run the queued claims in one transaction, answer them, pass the lead on."""
        with self._queue_lock:
            group, self._queue = self._queue[:_MAX_GROUP], self._queue[_MAX_GROUP:]

        claim_sql, known_sql = self._claim_sql, self._known_sql

        def work(connection: sa.Connection) -> list[tuple[str, str, int, int] | bool]:
            # The driver's own cursor: two fixed statements, compiled once per store, run as
            # they are (psycopg prepares them on the server after a few uses).
            found: list[tuple[str, str, int, int] | bool] = []
            with _driver_cursor(connection, claim_sql.sql) as cursor:
                for claim in group:
                    params = {"claimed": claim.value, "at": claim.moment}
                    cursor.execute(claim_sql.sql, claim_sql.params(params))
                    rows = cursor.fetchall()
                    if rows:
                        audience, purpose, issued_at, expires_at = rows[0]
                        found.append((audience, purpose, issued_at, expires_at))
                    else:
                        cursor.execute(known_sql.sql, known_sql.params(params))
                        found.append(bool(cursor.fetchall()))
            return found

        try:
            with self._turn():
                results = transact_connection(
                    self._engine, work, durable=self._durable, retries=self._retries
                )
        except BaseException as exc:  # Every claim of the group shares the failure.
            for claim in group:
                claim.error = exc
        else:
            for claim, found in zip(group, results, strict=True):
                claim.found = found
        with self._queue_lock:
            if self._queue:
                self._queue[0].leads = True
                self._queue[0].done.release()
            else:
                self._leading = False
        for claim in group:
            claim.done.release()

    def ping(self) -> None:
        """Raise ``storage.unavailable`` (or ``storage.failed``) unless the database answers."""
        ping(self._engine)

    def purge(self, *, before: datetime) -> int:
        cutoff = _micros(_utc(before))

        def work(session: Session) -> int:
            result = session.execute(sa.delete(NONCES).where(NONCES.c.expires_at < cutoff))
            return int(result.rowcount)  # type: ignore[attr-defined]

        return transact(self._engine, work, durable=False, retries=self._retries)


def _held() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(eq=False)
class _Claim:
    """One thread's consumption waiting in the group commit, and then its answer."""

    value: str
    moment: int
    leads: bool = False
    found: tuple[str, str, int, int] | bool | None = None
    error: BaseException | None = None
    # Held from the start; released once to answer the claim or hand it the lead (a leader
    # releases its own when it is done). A lock is the lightest wait there is: an Event is
    # a Condition written in Python.
    done: threading.Lock = field(default_factory=_held)


# One statement claims a nonce; when it claims nothing, the second tells a replay from an unknown.
_CLAIM: Final = (
    sa.update(NONCES)
    .where(NONCES.c.value == sa.bindparam("claimed"), NONCES.c.consumed_at.is_(None))
    .values(consumed_at=sa.bindparam("at"))
    .returning(NONCES.c.audience, NONCES.c.purpose, NONCES.c.issued_at, NONCES.c.expires_at)
)
_KNOWN: Final = sa.select(NONCES.c.value).where(NONCES.c.value == sa.bindparam("claimed"))


@dataclass(frozen=True)
class _Compiled:
    """A statement as the driver takes it: its SQL for one dialect and how its parameters
    are passed (in order for a positional paramstyle such as SQLite's, else by name)."""

    sql: str
    order: tuple[str, ...] | None

    @classmethod
    def of(cls, statement: sa.ClauseElement, dialect: sa.Dialect) -> _Compiled:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        order = tuple(compiled.positiontup or ()) if dialect.positional else None
        return cls(compiled.string, order)

    def params(self, values: dict[str, Any]) -> Any:
        return values if self.order is None else tuple(values[name] for name in self.order)


@contextmanager
def _driver_cursor(connection: sa.Connection, statement: str) -> Iterator[Any]:
    """A cursor of the connection's DBAPI connection, in its open transaction. The driver's
    errors leave as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError` (a lost connection
    invalidated), so :func:`~service_kit.db.transact_connection` retries or reports them as
    it would a Core statement's."""
    dialect = connection.dialect
    error = dialect.loaded_dbapi.Error
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        yield cursor
    except error as exc:
        lost = dialect.is_disconnect(exc, driver, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            statement, None, exc, error, connection_invalidated=lost, dialect=dialect
        ) from exc
    finally:
        if not connection.invalidated:
            cursor.close()


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)
