"""The one engine factory of the services, and transactions that retry what is transient.

ARCHITECTURE.md ("Services and storage"): SQLite files under a data directory by default, so a
service runs on a bare machine; PostgreSQL (psycopg 3) when several instances share state.

- SQLite (``sqlite:///path``): every connection runs in WAL mode with foreign keys on and waits
  up to ``busy_timeout`` for a lock. The sqlite3 module's own transaction handling is switched
  off and every transaction starts with ``BEGIN IMMEDIATE``, which takes the database's single
  write lock from its first statement: writers from several processes queue on the lock
  instead of failing half-way when a read turns into a write. ``synchronous`` is ``NORMAL``
  (a crashed process loses nothing; a power cut may lose the last commits), except in the
  transactions :func:`transact` runs as ``durable``, which use ``FULL``: their commit waits for
  the disk.
- PostgreSQL (``postgresql://…``, given psycopg 3 as its driver): READ COMMITTED, a bounded
  pool, a connect timeout. No pre-ping: a dropped connection fails the transaction, and
  :func:`transact` retries it whole.

:func:`transact` is how a service owns its transactions: one unit of work, one transaction,
retried whole on serialization failures, deadlocks, lock timeouts and SQLite's busy errors.
SQLAlchemy's exceptions never leave it: what escapes becomes a
:class:`~vc_core.errors.StorageError` (``storage.unavailable`` when no connection could be
had, ``storage.failed`` otherwise), the one boundary where they are converted.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import QueryableAttribute, Session

from vc_core.errors import StorageError

__all__ = [
    "DEFAULT_RETRIES",
    "among",
    "begins_immediately",
    "check_url",
    "create_engine",
    "describe",
    "insert_rows",
    "is_transient",
    "ping",
    "sqlite_url",
    "transact",
    "transact_connection",
]

T = TypeVar("T")

#: How many times :func:`transact` runs a unit of work before it gives up.
DEFAULT_RETRIES: Final = 30
# The execution option that asks SQLite for synchronous=FULL in one transaction.
_DURABLE: Final = "shikaku_durable"
# Where a SQLite connection keeps the synchronous level it was last set to.
_SYNCHRONOUS: Final = "shikaku_synchronous"
# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available.
_RETRY_SQLSTATES: Final = frozenset({"40001", "40P01", "55P03"})
_UNIQUE_VIOLATION: Final = "23505"
_FIRST_DELAY: Final = 0.002
_MAX_DELAY: Final = 0.25
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def sqlite_url(data_dir: Path, name: str) -> str:
    """The URL of the SQLite file ``<data_dir>/<name>.sqlite3``, creating ``data_dir``.

    A data directory that cannot be made (a file is in the way, no permission) is
    ``storage.unavailable``.
    """
    if _NAME.fullmatch(name) is None:
        raise StorageError("storage.url_invalid", f"{name!r} is not a database name")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            "storage.unavailable",
            f"the data directory {data_dir} cannot be used: {exc.strerror or exc}",
        ) from exc
    path = (data_dir / f"{name}.sqlite3").resolve()
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def create_engine(
    url: str | URL,
    *,
    busy_timeout: float = 30.0,
    pool_size: int = 5,
    max_overflow: int = 10,
    connect_timeout: int = 10,
) -> sa.Engine:
    """An engine for a SQLite or PostgreSQL URL, configured as the module describes.

    ``busy_timeout`` (seconds) is how long SQLite waits for a lock and PostgreSQL for a pooled
    connection. A URL that does not parse, or names another database, is
    ``storage.url_invalid`` (the message never repeats the URL: it may hold a password).
    """
    parsed = _parse(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = sa.create_engine(parsed, connect_args={"timeout": busy_timeout})
            _configure_sqlite(engine, busy_timeout)
            return engine
        connect_args = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": connect_timeout}
        )
        return sa.create_engine(
            parsed,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=busy_timeout,
            pool_recycle=1800,
            connect_args=connect_args,
        )
    except (ArgumentError, NoSuchModuleError, TypeError, ValueError) as exc:
        raise StorageError("storage.url_invalid", "the database URL has invalid options") from exc


def check_url(url: str | URL) -> None:
    """Refuse a database URL :func:`create_engine` would refuse (``storage.url_invalid``)."""
    _parse(url)


def _parse(url: str | URL) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StorageError("storage.url_invalid", "the database URL does not parse") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite") and parsed.query:
        # The driver would ignore unknown options with a warning; shikaku sets its own.
        raise StorageError("storage.url_invalid", "a SQLite URL takes no options")
    if parsed.drivername in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        return parsed
    raise StorageError(
        "storage.url_invalid",
        f"shikaku keeps its data in SQLite or PostgreSQL (psycopg), not {parsed.drivername}",
    )


def _configure_sqlite(engine: sa.Engine, busy_timeout: float) -> None:
    pragmas = (
        f"busy_timeout={int(busy_timeout * 1000)}",
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let the "begin" listener open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                _pragma(cursor, pragma, deadline=time.monotonic() + busy_timeout)
        finally:
            cursor.close()

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _begin_immediate)


def _pragma(cursor: Any, pragma: str, *, deadline: float) -> None:
    """Run one PRAGMA, waiting out a lock held by another process until ``deadline``.

    Switching a new database to WAL needs a moment of exclusive access; when processes that
    start together race for it, a PRAGMA here has answered "database is locked" despite the
    busy timeout (tests/service_kit/test_migrate.py, under load in a full run).
    """
    delay = _FIRST_DELAY
    while True:
        try:
            cursor.execute(f"PRAGMA {pragma}")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, _MAX_DELAY)


def _begin_immediate(connection: sa.Connection) -> None:
    """Open a SQLite transaction holding the write lock, durable when the caller asked."""
    durable = bool(connection.get_execution_options().get(_DURABLE, False))
    # synchronous cannot change inside a transaction, so it is set just before it opens; the
    # connection remembers what it has (a statement saved on most transactions).
    wanted = "FULL" if durable else "NORMAL"
    if connection.info.get(_SYNCHRONOUS) != wanted:
        connection.exec_driver_sql(f"PRAGMA synchronous={wanted}")
        connection.info[_SYNCHRONOUS] = wanted
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def begins_immediately(engine: sa.Engine) -> bool:
    """True for a SQLite engine made by :func:`create_engine` (see :mod:`service_kit.migrate`)."""
    return event.contains(engine, "begin", _begin_immediate)


def is_transient(exc: DBAPIError, *, unique: bool = False) -> bool:
    """True when running the whole transaction again may succeed.

    ``unique`` also retries unique violations, for work that races to insert a row another
    transaction may insert first (and then finds it).
    """
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRY_SQLSTATES or (unique and sqlstate == _UNIQUE_VIOLATION)
    return _is_busy(exc)


def _is_busy(exc: SQLAlchemyError) -> bool:
    """SQLite's "database is locked": another connection held the lock past busy_timeout."""
    message = str(exc.orig if isinstance(exc, DBAPIError) else exc).lower()
    return "database is locked" in message or "database is busy" in message


def transact(
    engine: sa.Engine,
    work: Callable[[Session], T],
    *,
    retries: int = DEFAULT_RETRIES,
    durable: bool = True,
    retry_unique: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` in one transaction and commit, retrying it whole on transient errors.

    ``work`` may run several times, so it must do nothing outside the session. Errors it
    raises itself (shikaku's own) roll the transaction back and pass through unchanged.
    ``durable=False`` is for data that can be derived again: the commit does not wait for
    the disk (PostgreSQL ``synchronous_commit = off``; SQLite ``synchronous=NORMAL``). A
    crashed process loses nothing either way; a power cut may lose the last such commits.
    """

    def in_session(connection: sa.Connection) -> T:
        with Session(bind=connection, expire_on_commit=False) as session, session.begin():
            if not durable and connection.dialect.name == "postgresql":
                session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            return work(session)

    return _attempts(
        engine,
        in_session,
        retries=retries,
        durable=durable,
        retry_unique=retry_unique,
        sleep=sleep,
    )


def transact_connection(
    engine: sa.Engine,
    work: Callable[[sa.Connection], T],
    *,
    retries: int = DEFAULT_RETRIES,
    durable: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """:func:`transact` for work written against the Core connection, without an ORM
    session: the same transaction (SQLite's ``BEGIN IMMEDIATE``, ``durable`` as there), the
    same retries and the same errors, for a hot path whose statements are few and fixed.
    ``work`` may run several times, so it must do nothing outside the connection's
    transaction; a DBAPI error it raises on the connection's driver connection must come out
    as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError` (``DBAPIError.instance``) to be
    retried or reported as :func:`transact` does.
    """

    def in_transaction(connection: sa.Connection) -> T:
        with connection.begin():
            if not durable and connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return work(connection)

    return _attempts(
        engine, in_transaction, retries=retries, durable=durable, retry_unique=False, sleep=sleep
    )


def _attempts(
    engine: sa.Engine,
    run: Callable[[sa.Connection], T],
    *,
    retries: int,
    durable: bool,
    retry_unique: bool,
    sleep: Callable[[float], None],
) -> T:
    """``run`` on a fresh connection until it returns, retrying what is transient."""
    delay = _FIRST_DELAY
    attempts = max(retries, 1)
    for attempt in range(1, attempts + 1):
        connected = False
        try:
            with engine.connect() as connection:
                connected = True
                connection.execution_options(**{_DURABLE: durable})
                return run(connection)
        except DBAPIError as exc:
            if attempt >= attempts or not is_transient(exc, unique=retry_unique):
                raise _storage_error(exc, connected) from exc
        except SQLAlchemyError as exc:
            raise _storage_error(exc, connected) from exc
        # Jittered exponential backoff keeps colliding processes from colliding again.
        sleep(delay * (1 + random.random()))  # noqa: S311 - timing jitter, not a secret
        delay = min(delay * 2, _MAX_DELAY)
    raise AssertionError("unreachable")  # pragma: no cover


def among(
    session: Session, column: QueryableAttribute[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``column IN (values)`` for the session's database.

    On PostgreSQL ``column = ANY(:values)``: one array parameter however many values, so
    the statement's text is the same for a batch of a thousand as for one (psycopg parses
    a thousand-placeholder ``IN`` list anew each time). Elsewhere, ``IN``.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(values)


def insert_rows(session: Session, mapped: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) of the mapped class ``mapped`` in the
    session's transaction.

    On PostgreSQL, one ``COPY … FROM STDIN`` stream: no statement per row to send, parse and
    plan, which made a bulk insert of a thousand rows cost more than building them. The
    columns' own bind processing (type decorators) applies as for an INSERT, and a failure
    is raised as SQLAlchemy's error of the same kind, so :func:`transact` retries or reports
    it as it would an INSERT's. Elsewhere (SQLite), the ORM's bulk INSERT. A table whose
    omitted columns have Python-side defaults takes the INSERT path everywhere.
    """
    if not rows:
        return
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):  # And a missing name is a KeyError.
        raise ValueError("insert_rows: every row names the same columns")
    connection = session.connection()
    table = sa.inspect(mapped).local_table
    if connection.dialect.name != "postgresql" or not isinstance(table, sa.Table):
        session.execute(sa.insert(mapped), list(rows))
        return
    columns = [table.c[name] for name in names]
    if any(c.default is not None for c in table.c if c.name not in names):
        session.execute(sa.insert(mapped), list(rows))
        return
    _copy_rows(connection, table, columns, rows)


def _copy_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[sa.Column[Any]],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    import psycopg  # noqa: PLC0415 - PostgreSQL's driver, only where PostgreSQL is used
    from psycopg import sql  # noqa: PLC0415

    dialect = connection.dialect
    processors = [(c.name, c.type.bind_processor(dialect)) for c in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
    )
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        row[name] if process is None else process(row[name])
                        for name, process in processors
                    ]
                )
    except psycopg.Error as exc:
        raise DBAPIError.instance(
            f"COPY {table.name}", None, exc, psycopg.Error, connection_invalidated=driver.closed
        ) from exc


def ping(engine: sa.Engine) -> None:
    """Ask the database to answer ``SELECT 1`` once (a readiness probe); ``storage.*`` if not."""
    transact(engine, lambda session: session.execute(sa.text("SELECT 1")), retries=1, durable=False)


def _storage_error(exc: SQLAlchemyError, connected: bool) -> StorageError:
    # Contention while connecting (SQLite's lock) is a failure to get through, not absence.
    unavailable = isinstance(exc, sa.exc.TimeoutError) or not (connected or _is_busy(exc))
    return StorageError("storage.unavailable" if unavailable else "storage.failed", describe(exc))


def describe(exc: BaseException) -> str:
    """The first line of a database error, without SQL, parameters or the URL."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(cause).strip().splitlines()
    first = lines[0] if lines else type(cause).__name__
    return f"the database failed: {first[:200]}"
