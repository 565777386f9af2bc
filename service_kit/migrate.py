"""Alembic migrations per role database, applied once however many processes start together.

A :class:`Migrations` names a folder of alembic revision scripts (a directory, or the dotted
name of the package that holds them) and the version table recording how far a database has
come through them. One database may take several folders: the service kit's own tables
(:data:`KIT_MIGRATIONS`, the nonces) and its role's (``issuer.status.migrations`` for the
status registry). Each folder keeps its own version table, so they migrate apart, and one
alembic environment (``service_kit/alembic_env/env.py``) runs them all.

Several processes may start at once. :func:`upgrade` and :func:`downgrade` run in one
transaction that first takes a lock the others wait for: on PostgreSQL an advisory lock
(``pg_advisory_xact_lock``); on SQLite the database's write lock, which ``BEGIN IMMEDIATE``
(see :mod:`service_kit.db`) holds from the transaction's start. The process that comes second
finds the version table at the revision asked for and does nothing. DDL is transactional in
both databases, so a migration that fails or is killed leaves nothing half done.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from service_kit.db import _DURABLE, begins_immediately, describe
from vc_core.errors import StorageError

__all__ = ["KIT_MIGRATIONS", "Migrations", "current_revision", "downgrade", "upgrade"]

_ENVIRONMENT: Final = Path(__file__).resolve().parent / "alembic_env"
# An arbitrary 64-bit constant naming the migration lock (PostgreSQL advisory locks).
_LOCK_KEY: Final = 0x5348494B414B55


@dataclass(frozen=True)
class Migrations:
    """A folder of alembic revisions and the version table that records them in a database.

    ``location`` is a directory, or the dotted name of a package whose folder holds the
    revision scripts (``"issuer.status.migrations"``).
    """

    location: Path | str
    version_table: str


#: The service kit's own tables: the nonce store (:mod:`service_kit.nonces`).
KIT_MIGRATIONS: Final = Migrations("service_kit.migrations", "shikaku_kit_alembic_version")


def upgrade(engine: sa.Engine, migrations: Migrations, *, revision: str = "head") -> None:
    """Bring the folder's tables up to ``revision`` (idempotent; safe to run concurrently)."""
    _run(engine, migrations, command.upgrade, revision)


def downgrade(engine: sa.Engine, migrations: Migrations, *, revision: str = "base") -> None:
    """Take the folder's tables back down to ``revision`` (``base``: drop them all)."""
    _run(engine, migrations, command.downgrade, revision)


def current_revision(engine: sa.Engine, migrations: Migrations) -> str | None:
    """The revision of the folder the database is at (None before the first)."""
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": migrations.version_table}
            )
            return context.get_current_revision()
    except SQLAlchemyError as exc:
        raise StorageError("storage.unavailable", describe(exc)) from exc


def _run(
    engine: sa.Engine,
    migrations: Migrations,
    action: Callable[[Config, str], None],
    revision: str,
) -> None:
    if engine.dialect.name == "sqlite" and not begins_immediately(engine):
        # Without BEGIN IMMEDIATE two processes could both find the schema old.
        raise TypeError("migrate SQLite through an engine from service_kit.db.create_engine")
    config = Config()
    config.set_main_option("script_location", str(_ENVIRONMENT))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(_folder(migrations.location)))
    config.attributes["version_table"] = migrations.version_table
    try:
        connection = engine.connect()
    except SQLAlchemyError as exc:
        raise StorageError("storage.unavailable", describe(exc)) from exc
    try:
        with connection:
            # The schema is the ground every later commit stands on: wait for the disk.
            connection.execution_options(**{_DURABLE: True})
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                    )
                config.attributes["connection"] = connection
                action(config, revision)
    except (SQLAlchemyError, CommandError) as exc:
        raise StorageError(
            "storage.migration_failed", f"{migrations.version_table}: {describe(exc)}"
        ) from exc


def _folder(location: Path | str) -> Path:
    if isinstance(location, Path):
        folder = location
    else:
        try:
            folder = Path(str(importlib.resources.files(location)))
        except ModuleNotFoundError as exc:
            raise StorageError(
                "storage.migration_failed", f"no migrations package {location}"
            ) from exc
    if not folder.is_dir():
        raise StorageError("storage.migration_failed", f"no migrations folder at {folder}")
    return folder
