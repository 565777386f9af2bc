"""The bundled alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from issuer.status.db import VERSION_TABLE, downgrade, migrate
from issuer.status.models import Base
from service_kit.db import create_engine


def test_migrations_match_the_models_and_run_both_ways(db_url: str) -> None:
    engine = create_engine(db_url)
    migrate(engine)
    migrate(engine)  # Idempotent: a second start finds the schema at head.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert context.get_current_revision() == "0001"
        assert compare_metadata(context, Base.metadata) == []
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
    migrate(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
