"""Migrations per role database: idempotent, reversible, and applied once by racing processes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

import service_kit.migrations
from issuer.status.db import STATUS_MIGRATIONS
from service_kit.db import create_engine, transact
from service_kit.migrate import (
    KIT_MIGRATIONS,
    Migrations,
    current_revision,
    downgrade,
    upgrade,
)
from tests.service_kit.workers import migrate_once
from vc_core.errors import StorageError

_WORKERS = 4


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_is_idempotent_and_downgrade_undoes_it(db_url: str) -> None:
    engine = create_engine(db_url)
    assert current_revision(engine, KIT_MIGRATIONS) is None
    upgrade(engine, KIT_MIGRATIONS)
    upgrade(engine, KIT_MIGRATIONS)  # A second start finds the schema at head.
    assert current_revision(engine, KIT_MIGRATIONS) == "0001"
    assert "nonces" in _tables(engine)
    downgrade(engine, KIT_MIGRATIONS)
    assert current_revision(engine, KIT_MIGRATIONS) is None
    assert "nonces" not in _tables(engine)
    engine.dispose()


def test_folders_of_one_database_migrate_apart(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, KIT_MIGRATIONS)
    upgrade(engine, STATUS_MIGRATIONS)
    downgrade(engine, STATUS_MIGRATIONS)
    assert current_revision(engine, KIT_MIGRATIONS) == "0001"
    assert current_revision(engine, STATUS_MIGRATIONS) is None
    assert "nonces" in _tables(engine)
    assert "status_lists" not in _tables(engine)
    engine.dispose()


def test_a_folder_may_be_given_as_a_path(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kit.sqlite3'}")
    folder = Path(service_kit.migrations.__file__).parent
    upgrade(engine, Migrations(folder, "kit_by_path_version"))
    assert current_revision(engine, Migrations(folder, "kit_by_path_version")) == "0001"
    engine.dispose()


@pytest.mark.slow
def test_processes_starting_together_migrate_once(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(max_workers=_WORKERS, mp_context=context) as pool,
    ):
        start = manager.Barrier(_WORKERS)
        futures = [pool.submit(migrate_once, db_url, start=start) for _ in range(_WORKERS)]
        revisions = [future.result() for future in futures]
    assert revisions == ["0001"] * _WORKERS
    engine = create_engine(db_url)
    read = sa.text("SELECT version_num FROM shikaku_kit_alembic_version")
    assert transact(engine, lambda s: s.execute(read).scalars().all()) == ["0001"]
    assert "nonces" in _tables(engine)
    engine.dispose()


def test_a_database_ahead_of_the_code_is_refused(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, KIT_MIGRATIONS)
    bump = sa.text("UPDATE shikaku_kit_alembic_version SET version_num = '9999'")
    transact(engine, lambda s: s.execute(bump))
    with pytest.raises(StorageError) as caught:
        upgrade(engine, KIT_MIGRATIONS)
    assert caught.value.code == "storage.migration_failed"
    engine.dispose()


def test_missing_migrations_are_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kit.sqlite3'}")
    for location in ("shikaku_has_no_such_package", tmp_path / "nowhere"):
        with pytest.raises(StorageError) as caught:
            upgrade(engine, Migrations(location, "nowhere_version"))
        assert caught.value.code == "storage.migration_failed"
    engine.dispose()


def test_an_unreachable_database_is_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'kit.sqlite3'}")
    with pytest.raises(StorageError) as caught:
        upgrade(engine, KIT_MIGRATIONS)
    assert caught.value.code == "storage.unavailable"
    engine.dispose()


def test_sqlite_migrates_only_through_the_kit_engine(tmp_path: Path) -> None:
    # A plain engine would not take the write lock first, so two processes could both
    # find the schema old; the runner refuses it rather than race.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'kit.sqlite3'}")
    with pytest.raises(TypeError):
        upgrade(engine, KIT_MIGRATIONS)
    engine.dispose()
