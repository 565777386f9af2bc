"""Where the registry keeps its state: SQLite files by default, PostgreSQL when shared.

- SQLite (``sqlite:///path``): WAL journal, ``synchronous=FULL`` and every transaction opened
  with ``BEGIN IMMEDIATE``, so a transaction holds the database's single write lock from its
  first statement. Writers from several processes then queue on the lock (for up to the busy
  timeout) instead of failing half-way with SQLITE_BUSY when a read turns into a write.
- PostgreSQL (``postgresql://…``, driven by psycopg 3): READ COMMITTED, with row locks on the
  list rows a transaction changes (see :mod:`issuer.status.registry`).

Migrations are alembic scripts bundled in :mod:`issuer.status.migrations`; :func:`migrate`
runs them to head under a lock (PostgreSQL: an advisory lock; SQLite: the write lock), so
several processes may start at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from vc_core.errors import InputError

__all__ = ["VERSION_TABLE", "default_url", "downgrade", "migrate", "open_engine"]

#: The registry's own alembic version table, so other parts of the issuer can migrate apart.
VERSION_TABLE = "shikaku_status_alembic_version"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# An arbitrary 64-bit constant naming the migration lock (PostgreSQL advisory locks).
_MIGRATION_LOCK = 0x5348494B414B55


def default_url(data_dir: Path) -> str:
    """The SQLite file of a data directory (created if missing; else ``input.unwritable``)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            "input.unwritable", f"cannot use {data_dir} as the data folder: {exc.strerror}"
        ) from None
    return f"sqlite:///{(data_dir / 'status.sqlite3').resolve()}"


def open_engine(
    url: str | URL, *, busy_timeout_s: float = 30.0, synchronous: str = "FULL"
) -> Engine:
    """An engine for ``url``; ``postgresql://`` is given psycopg 3 as its driver.

    ``synchronous`` is SQLite's: ``FULL`` waits for the disk at every commit; ``NORMAL`` (in
    WAL mode) survives a crashed process but may lose the last commits on a power cut, and is
    only for data that can be derived again.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        engine = create_engine(parsed, connect_args={"timeout": busy_timeout_s})
        _configure_sqlite(engine, busy_timeout_s, synchronous)
        return engine
    # No pre-ping: a dropped connection fails the transaction, which is retried whole.
    return create_engine(parsed)


def _configure_sqlite(engine: Engine, busy_timeout_s: float, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the registry's tables up to ``revision`` (idempotent; safe to run concurrently)."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the registry's tables back down to ``revision`` (``base``: drop them all)."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, action: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        action(config, revision)
