"""Where the status registry keeps its state, and the migrations that make its tables.

The engine is :func:`service_kit.db.create_engine`'s: a SQLite file in the data directory by
default (``status.sqlite3``), PostgreSQL when several issuer processes share the registry.
The tables come from the alembic revisions in :mod:`issuer.status.migrations`, run through
:mod:`service_kit.migrate` under its lock, so several processes may start at once. They are
recorded in the registry's own version table, so the issuer's other tables migrate apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from sqlalchemy import Engine

from service_kit import migrate as kit_migrate
from service_kit.db import sqlite_url
from service_kit.migrate import Migrations

__all__ = ["STATUS_MIGRATIONS", "VERSION_TABLE", "default_url", "downgrade", "migrate"]

#: The registry's own alembic version table.
VERSION_TABLE: Final = "shikaku_status_alembic_version"
#: The registry's revisions and where a database records them.
STATUS_MIGRATIONS: Final = Migrations("issuer.status.migrations", VERSION_TABLE)


def default_url(data_dir: Path) -> str:
    """The registry's SQLite file in a data directory (created if missing)."""
    return sqlite_url(data_dir, "status")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the registry's tables up to ``revision`` (idempotent; safe to run concurrently)."""
    kit_migrate.upgrade(engine, STATUS_MIGRATIONS, revision=revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the registry's tables back down to ``revision`` (``base``: drop them all)."""
    kit_migrate.downgrade(engine, STATUS_MIGRATIONS, revision=revision)
