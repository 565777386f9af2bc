"""Where the board's own tables live, and the migrations that make them.

A SQLite file in the data directory by default (``issuer.sqlite3``); PostgreSQL when several
issuer processes share the board. The revisions in :mod:`issuer.store.migrations` are recorded
in their own version table, so they migrate apart from the status registry's even when both
share one PostgreSQL database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from sqlalchemy import Engine

from service_kit import migrate as kit_migrate
from service_kit.db import sqlite_url
from service_kit.migrate import Migrations

__all__ = ["ISSUER_MIGRATIONS", "VERSION_TABLE", "default_url", "downgrade", "migrate"]

VERSION_TABLE: Final = "shikaku_issuer_alembic_version"
ISSUER_MIGRATIONS: Final = Migrations("issuer.store.migrations", VERSION_TABLE)


def default_url(data_dir: Path) -> str:
    """The board's SQLite file in a data directory (created if missing)."""
    return sqlite_url(data_dir, "issuer")


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the board's tables up to ``revision`` (idempotent; safe to run concurrently)."""
    kit_migrate.upgrade(engine, ISSUER_MIGRATIONS, revision=revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the board's tables back down to ``revision`` (``base``: drop them all)."""
    kit_migrate.downgrade(engine, ISSUER_MIGRATIONS, revision=revision)
