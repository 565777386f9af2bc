"""The engine factory and transact(): configured as documented, retrying only what is transient.

Contention is real here: a second connection holds SQLite's write lock, and the retry's sleep
releases it. No database error is simulated.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service_kit.db import create_engine, is_transient, sqlite_url, transact
from vc_core.errors import StatusError, StorageError


def _pragma(session: Session, name: str) -> object:
    return session.execute(sa.text(f"PRAGMA {name}")).scalar_one()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path, "kit"), busy_timeout=7.5)
    pragmas = ("journal_mode", "foreign_keys", "busy_timeout")
    found = transact(engine, lambda s: [_pragma(s, name) for name in pragmas])
    assert found == ["wal", 1, 7500]
    engine.dispose()


def test_durable_transactions_wait_for_the_disk_and_others_do_not(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path, "kit"))
    # SQLite's synchronous: 1 is NORMAL, 2 is FULL.
    assert transact(engine, lambda s: _pragma(s, "synchronous")) == 2
    assert transact(engine, lambda s: _pragma(s, "synchronous"), durable=False) == 1
    # The level is set again only when it changes, and always when it does (one connection).
    levels = [
        transact(engine, lambda s: _pragma(s, "synchronous"), durable=d)
        for d in (False, False, True, True, False)
    ]
    assert levels == [1, 1, 2, 2, 1]
    engine.dispose()


def test_postgresql_skips_the_commit_wait_only_when_asked(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    show = sa.text("SHOW synchronous_commit")
    assert transact(engine, lambda s: s.execute(show).scalar_one()) == "on"
    assert transact(engine, lambda s: s.execute(show).scalar_one(), durable=False) == "off"
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_a_plain_postgresql_url_gets_psycopg_3() -> None:
    for url in ("postgresql://board@db.example.jp/shikaku", "postgres://board@db/shikaku"):
        engine = create_engine(url)  # No connection is made until the first transaction.
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "mysql://board:hunter2-password@db.example.jp/shikaku",
        "postgresql+psycopg2://board:hunter2-password@db.example.jp/shikaku",
        "sqlite:///x.db?no_such_option=1",
    ],
)
def test_a_bad_url_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        engine = create_engine(url)
        transact(engine, lambda s: s.execute(sa.text("SELECT 1")).scalar_one(), retries=1)
    assert caught.value.code in ("storage.url_invalid", "storage.unavailable")
    assert "hunter2" not in str(caught.value)


def test_the_sqlite_url_of_a_data_dir_round_trips_odd_characters(tmp_path: Path) -> None:
    data_dir = tmp_path / "a b?c#d%e" / "data"
    url = sqlite_url(data_dir, "verifier")
    assert data_dir.is_dir()
    assert make_url(url).database == str(data_dir.resolve() / "verifier.sqlite3")
    engine = create_engine(url)
    assert transact(engine, lambda s: s.execute(sa.text("SELECT 1")).scalar_one()) == 1
    engine.dispose()


def test_a_data_dir_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    for data_dir in (blocker, blocker / "below"):
        with pytest.raises(StorageError) as caught:
            sqlite_url(data_dir, "issuer")
        assert caught.value.code == "storage.unavailable"
    with pytest.raises(StorageError) as caught:
        sqlite_url(tmp_path, "../escape")
    assert caught.value.code == "storage.url_invalid"


def test_a_database_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'kit.sqlite3'}")
    with pytest.raises(StorageError) as caught:
        transact(engine, lambda s: s.execute(sa.text("SELECT 1")).scalar_one())
    assert caught.value.code == "storage.unavailable"
    engine.dispose()


def test_a_server_that_does_not_answer_is_unavailable() -> None:
    engine = create_engine("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2)
    naps: list[float] = []
    with pytest.raises(StorageError) as caught:
        transact(engine, lambda s: s.execute(sa.text("SELECT 1")), retries=3, sleep=naps.append)
    assert caught.value.code == "storage.unavailable"
    assert len(naps) <= 2
    engine.dispose()


def test_contention_is_retried_until_the_lock_is_free(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path, "kit")
    engine = create_engine(url, busy_timeout=0.05)
    transact(engine, lambda s: s.execute(sa.text("CREATE TABLE t (n INTEGER)")))
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # Another process's writer, holding the write lock.
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            holder.execute("ROLLBACK")  # The other writer finishes while we back off.

    transact(engine, lambda s: s.execute(sa.text("INSERT INTO t VALUES (1)")), sleep=nap)
    assert len(naps) == 2
    assert all(0 < seconds <= 0.5 for seconds in naps)
    assert transact(engine, lambda s: s.execute(sa.text("SELECT n FROM t")).scalars().all()) == [1]
    holder.close()
    engine.dispose()


def test_contention_that_outlasts_the_retries_fails(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path, "kit")
    engine = create_engine(url, busy_timeout=0.01)
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    naps: list[float] = []
    with pytest.raises(StorageError) as caught:
        transact(engine, lambda s: s.execute(sa.text("SELECT 1")), retries=4, sleep=naps.append)
    assert caught.value.code == "storage.failed"
    assert "locked" in caught.value.message
    assert len(naps) == 3
    holder.close()
    engine.dispose()


def test_a_failing_statement_is_not_retried(db_url: str) -> None:
    engine = create_engine(db_url)
    naps: list[float] = []
    with pytest.raises(StorageError) as caught:
        transact(
            engine, lambda s: s.execute(sa.text("SELECT * FROM no_such_table")), sleep=naps.append
        )
    assert caught.value.code == "storage.failed"
    assert naps == []
    engine.dispose()


def test_our_own_errors_roll_back_and_pass_through(db_url: str) -> None:
    engine = create_engine(db_url)
    transact(engine, lambda s: s.execute(sa.text("CREATE TABLE t (n INTEGER)")))

    def insert_then_refuse(session: Session) -> None:
        session.execute(sa.text("INSERT INTO t VALUES (1)"))
        raise StatusError("status.credential_unknown")

    with pytest.raises(StatusError):
        transact(engine, insert_then_refuse)
    assert (
        transact(engine, lambda s: s.execute(sa.text("SELECT count(*) FROM t")).scalar_one()) == 0
    )
    engine.dispose()


def test_unique_violations_are_transient_only_when_asked(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    transact(engine, lambda s: s.execute(sa.text("CREATE TABLE u (n INTEGER PRIMARY KEY)")))
    transact(engine, lambda s: s.execute(sa.text("INSERT INTO u VALUES (1)")))
    with engine.connect() as connection, pytest.raises(DBAPIError) as caught:
        connection.execute(sa.text("INSERT INTO u VALUES (1)"))
    assert not is_transient(caught.value)
    assert is_transient(caught.value, unique=True)
    engine.dispose()
