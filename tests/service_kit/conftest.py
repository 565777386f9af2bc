"""Fixtures of the service kit's tests: an engine migrated to the kit's tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from service_kit.db import create_engine
from service_kit.migrate import KIT_MIGRATIONS, upgrade


@pytest.fixture
def kit_engine(db_url: str) -> Iterator[sa.Engine]:
    """An engine on SQLite, then on PostgreSQL, with the kit's tables at head."""
    engine = create_engine(db_url)
    try:
        upgrade(engine, KIT_MIGRATIONS)
        yield engine
    finally:
        engine.dispose()
