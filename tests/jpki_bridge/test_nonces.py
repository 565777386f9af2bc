"""Nonce stores: single use, expiry, and correctness across processes (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from jpki_bridge.challenge import Challenge
from jpki_bridge.nonces import InMemoryNonceStore, NonceStore, SqlNonceStore, issue_challenge
from tests.jpki_bridge.nonce_worker import consume_all
from vc_core.errors import CardError

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
_WORKERS = 6


def postgres_engine() -> sa.Engine:
    """An engine on the test PostgreSQL; skip with the reason when it is not reachable."""
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc.orig})")
    return engine


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NonceStore]:
    if request.param == "memory":
        yield InMemoryNonceStore()
        return
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'nonces.db'}")
    else:
        engine = postgres_engine()
    sql = SqlNonceStore(engine, table=f"jpki_nonces_{uuid.uuid4().hex[:12]}")
    sql.create()
    try:
        yield sql
    finally:
        sql.drop()
        engine.dispose()


def test_issue_then_consume_once(store: NonceStore) -> None:
    challenge = issue_challenge(store, "https://verify.example.jp", "issuance", now=NOW)
    assert store.consume(challenge.nonce, now=NOW + dt.timedelta(seconds=10)) == challenge
    with pytest.raises(CardError) as caught:
        store.consume(challenge.nonce, now=NOW + dt.timedelta(seconds=11))
    assert caught.value.code == "card.nonce_reused"


def test_unknown_nonce(store: NonceStore) -> None:
    with pytest.raises(CardError) as caught:
        store.consume("A" * 43, now=NOW)
    assert caught.value.code == "card.nonce_unknown"


def test_expired_challenge_is_used_up(store: NonceStore) -> None:
    challenge = issue_challenge(
        store, "https://verify.example.jp", "issuance", now=NOW, ttl=dt.timedelta(minutes=1)
    )
    with pytest.raises(CardError) as caught:
        store.consume(challenge.nonce, now=NOW + dt.timedelta(minutes=1, microseconds=1))
    assert caught.value.code == "card.challenge_expired"
    with pytest.raises(CardError) as caught:
        store.consume(challenge.nonce, now=NOW)
    assert caught.value.code == "card.nonce_reused"


def test_a_nonce_cannot_be_issued_twice(store: NonceStore) -> None:
    challenge = issue_challenge(store, "https://verify.example.jp", "issuance", now=NOW)
    with pytest.raises(CardError) as caught:
        store.issue(challenge)
    assert caught.value.code == "card.challenge_invalid"


def test_purge_forgets_expired_challenges(store: NonceStore) -> None:
    old = issue_challenge(store, "https://a.example", "issuance", now=NOW - dt.timedelta(days=1))
    fresh = issue_challenge(store, "https://a.example", "issuance", now=NOW)
    assert store.purge(before=NOW) == 1
    with pytest.raises(CardError) as caught:
        store.consume(old.nonce, now=NOW)
    assert caught.value.code == "card.nonce_unknown"
    assert store.consume(fresh.nonce, now=NOW) == fresh


def test_times_round_trip_exactly(store: NonceStore) -> None:
    issued = dt.datetime(2026, 4, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)
    challenge = Challenge("B" * 43, "https://verify.example.jp:8443/", "presentation", issued,
                          issued + dt.timedelta(seconds=90))  # fmt: skip
    store.issue(challenge)
    back = store.consume(challenge.nonce, now=issued)
    assert back == challenge
    assert back.audience == "https://verify.example.jp:8443"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_single_use_holds_across_processes(database: str, tmp_path: Path) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
        engine = sa.create_engine(url)
    else:
        url = POSTGRES_URL
        engine = postgres_engine()
    table = f"jpki_race_{uuid.uuid4().hex[:12]}"
    store = SqlNonceStore(engine, table=table)
    store.create()
    try:
        nonces = [
            issue_challenge(store, "https://verify.example.jp", "issuance", now=NOW).nonce
            for _ in range(200)
        ]
        context = multiprocessing.get_context("spawn")
        with (
            context.Manager() as manager,
            ProcessPoolExecutor(max_workers=_WORKERS, mp_context=context) as pool,
        ):
            start = manager.Barrier(_WORKERS)
            futures = [
                pool.submit(
                    consume_all, url, table, nonces, now=NOW.isoformat(), seed=seed, start=start
                )
                for seed in range(_WORKERS)
            ]
            won = [nonce for future in futures for nonce in future.result()]
        # Every nonce was consumed by exactly one process.
        assert sorted(won) == sorted(nonces)
        for nonce in nonces:
            with pytest.raises(CardError) as caught:
                store.consume(nonce, now=NOW)
            assert caught.value.code == "card.nonce_reused"
    finally:
        store.drop()
        engine.dispose()
