"""The nonce store: issued once, consumed once, each refusal with its own code.

Every behaviour runs on the three stores (in memory, SQLite, PostgreSQL); single use is then
raced by real processes on both databases, and by threads in memory.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service_kit.db import create_engine
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import NONCES, Nonce, NonceStore, SqlNonceStore
from tests.service_kit.workers import consume_all
from vc_core.errors import NonceError, RequestError, StorageError

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(minutes=5)
VERIFIER = "https://employer.example.jp"
_WORKERS = 6


@pytest.fixture
def store(nonce_store: NonceStore) -> NonceStore:
    return nonce_store


def _issue(store: NonceStore, *, now: dt.datetime = NOW, ttl: dt.timedelta = TTL) -> Nonce:
    return store.issue(audience=VERIFIER, purpose="presentation", ttl=ttl, now=now)


def _refusal(
    store: NonceStore,
    value: str,
    *,
    now: dt.datetime = NOW,
    audience: str | None = VERIFIER,
    purpose: str = "presentation",
) -> NonceError:
    with pytest.raises(NonceError) as caught:
        store.consume(value, audience=audience, purpose=purpose, now=now)
    return caught.value


def test_an_issued_nonce_is_random_bound_and_dated(store: NonceStore) -> None:
    moment = dt.datetime(2026, 4, 1, 18, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    nonce = _issue(store, now=moment)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", nonce.value)  # 32 random bytes.
    assert (nonce.audience, nonce.purpose) == (VERIFIER, "presentation")
    assert (nonce.issued_at, nonce.expires_at) == (moment, moment + TTL)
    assert len({_issue(store).value for _ in range(50)}) == 50


def test_first_use_wins_and_a_second_is_a_replay(store: NonceStore) -> None:
    nonce = _issue(store)
    later = NOW + dt.timedelta(seconds=30)
    assert store.consume(nonce.value, audience=VERIFIER, purpose="presentation", now=later) == nonce
    assert _refusal(store, nonce.value, now=later).code == "nonce.reused"


@pytest.mark.parametrize("value", ["A" * 43, "", "x" * 5000])
def test_a_nonce_never_issued_is_unknown(store: NonceStore, value: str) -> None:
    _issue(store)
    assert _refusal(store, value).code == "nonce.unknown"


def test_expiry_is_inclusive_and_an_expired_nonce_is_used_up(store: NonceStore) -> None:
    on_time, late = _issue(store), _issue(store)
    deadline = NOW + TTL
    assert store.consume(on_time.value, audience=VERIFIER, purpose="presentation", now=deadline)
    refused = _refusal(store, late.value, now=deadline + dt.timedelta(microseconds=1))
    assert refused.code == "nonce.expired"
    assert refused.details["expired_at"] == deadline.isoformat()
    assert _refusal(store, late.value, now=NOW).code == "nonce.reused"


def test_another_audience_or_purpose_is_a_mismatch_and_uses_the_nonce_up(
    store: NonceStore,
) -> None:
    first, second = _issue(store), _issue(store)
    refused = _refusal(store, first.value, audience="https://other.example.jp")
    assert (refused.code, refused.details["field"]) == ("nonce.mismatch", "audience")
    assert _refusal(store, first.value).code == "nonce.reused"
    refused = _refusal(store, second.value, purpose="issuance")
    assert (refused.code, refused.details["field"]) == ("nonce.mismatch", "purpose")
    assert _refusal(store, second.value).code == "nonce.reused"


def test_an_audience_of_none_is_not_compared(store: NonceStore) -> None:
    nonce = _issue(store)
    assert store.consume(nonce.value, audience=None, purpose="presentation", now=NOW) == nonce


def test_purge_forgets_only_what_expired(store: NonceStore) -> None:
    old = _issue(store, now=NOW - dt.timedelta(days=1))
    used, fresh = _issue(store), _issue(store)
    store.consume(used.value, audience=VERIFIER, purpose="presentation", now=NOW)
    assert store.purge(before=NOW) == 1
    assert _refusal(store, old.value).code == "nonce.unknown"
    assert _refusal(store, used.value).code == "nonce.reused"  # Still remembered until it expires.
    assert store.consume(fresh.value, audience=VERIFIER, purpose="presentation", now=NOW) == fresh


@pytest.mark.parametrize(
    "audience,purpose,ttl,now",
    [
        ("", "presentation", TTL, NOW),
        ("x" * 2049, "presentation", TTL, NOW),
        (VERIFIER, "", TTL, NOW),
        (VERIFIER, "p" * 65, TTL, NOW),
        (VERIFIER, "presentation", dt.timedelta(0), NOW),
        (VERIFIER, "presentation", TTL, NOW.replace(tzinfo=None)),
    ],
)
def test_a_malformed_request_issues_nothing(
    store: NonceStore, audience: str, purpose: str, ttl: dt.timedelta, now: dt.datetime
) -> None:
    with pytest.raises(RequestError) as caught:
        store.issue(audience=audience, purpose=purpose, ttl=ttl, now=now)
    assert caught.value.code == "request.invalid"
    assert store.purge(before=NOW + dt.timedelta(days=365)) == 0


def test_the_migration_makes_exactly_the_table_the_store_uses(kit_engine: sa.Engine) -> None:
    with kit_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": KIT_MIGRATIONS.version_table}
        )
        assert compare_metadata(context, NONCES.metadata) == []


# -- races -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_processes_racing_for_the_same_nonces_each_win_exactly_once(db_url: str) -> None:
    engine = create_engine(db_url)
    upgrade(engine, KIT_MIGRATIONS)
    store = SqlNonceStore(engine)
    try:
        nonces = [_issue(store).value for _ in range(200)]
        context = multiprocessing.get_context("spawn")
        with (
            context.Manager() as manager,
            ProcessPoolExecutor(max_workers=_WORKERS, mp_context=context) as pool,
        ):
            start = manager.Barrier(_WORKERS)
            futures = [
                pool.submit(
                    consume_all,
                    db_url,
                    nonces,
                    audience=VERIFIER,
                    now=NOW.isoformat(),
                    seed=seed,
                    start=start,
                )
                for seed in range(_WORKERS)
            ]
            won = [nonce for future in futures for nonce in future.result()]
        # Every nonce was consumed, each by exactly one process; every other try was a replay.
        assert sorted(won) == sorted(nonces)
        for nonce in nonces:
            assert _refusal(store, nonce).code == "nonce.reused"
    finally:
        engine.dispose()


def test_threads_racing_for_the_same_nonces_each_win_exactly_once(store: NonceStore) -> None:
    # On the SQL stores the threads' claims meet in group commits, the same value often twice
    # in one group: the database still lets exactly one of them win.
    nonces = [_issue(store).value for _ in range(300)]
    start = threading.Barrier(8)
    won: list[list[str]] = [[] for _ in range(8)]
    lost: list[str] = []

    def race(mine: list[str]) -> None:
        start.wait()
        for value in nonces:
            try:
                store.consume(value, audience=VERIFIER, purpose="presentation", now=NOW)
            except NonceError as exc:
                lost.append(exc.code)
                continue
            mine.append(value)

    threads = [threading.Thread(target=race, args=(mine,)) for mine in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(v for mine in won for v in mine) == sorted(nonces)
    assert lost == ["nonce.reused"] * (7 * len(nonces))


def test_a_failed_group_commit_fails_every_claim_in_it_and_the_next_group_runs(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)  # No migration yet: every claim fails in the database.
    store = SqlNonceStore(engine, retries=1)
    start = threading.Barrier(6)
    codes: list[str] = []

    def claim() -> None:
        start.wait()
        try:
            store.consume("never-issued", audience=VERIFIER, purpose="presentation", now=NOW)
        except (StorageError, NonceError) as exc:
            codes.append(exc.code)

    try:
        threads = [threading.Thread(target=claim) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert codes == ["storage.failed"] * 6
        upgrade(engine, KIT_MIGRATIONS)  # The lead was passed on: the store works again.
        nonce = _issue(store)
        assert store.consume(nonce.value, audience=VERIFIER, purpose="presentation", now=NOW)
        assert _refusal(store, nonce.value).code == "nonce.reused"
    finally:
        engine.dispose()


def test_a_claim_on_a_lost_connection_is_retried_on_a_new_one(postgres_url: str) -> None:
    """The claim runs on the driver's own cursor: a connection the server dropped is still
    recognised as lost, discarded and the group retried, and the nonce is used up once."""
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        upgrade(engine, KIT_MIGRATIONS)
        store = SqlNonceStore(engine)
        first, second = _issue(store), _issue(store)
        assert store.consume(first.value, audience=VERIFIER, purpose="presentation", now=NOW)
        with engine.connect() as pooled:  # The pool's one connection, the next claim's too.
            backend = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            pooled.rollback()
        killer = create_engine(postgres_url)
        try:
            with killer.connect() as other:
                other.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
        finally:
            killer.dispose()
        claimed = store.consume(second.value, audience=VERIFIER, purpose="presentation", now=NOW)
        assert claimed.value == second.value
        assert _refusal(store, second.value).code == "nonce.reused"
    finally:
        engine.dispose()


class _SlowToLetGo:
    """The store's queue lock, but each thread pauses just after letting it go: a leader can
    then hand the lead to a claim whose thread has not started waiting yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
        time.sleep(0.002)


def test_a_claim_handed_the_lead_before_it_waits_is_answered(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        upgrade(engine, KIT_MIGRATIONS)
        store = SqlNonceStore(engine, durable=False)
        values = [_issue(store).value for _ in range(240)]
        store._queue_lock = _SlowToLetGo()  # type: ignore[assignment]
        problems: list[str] = []

        def claim(mine: list[str]) -> None:
            for value in mine:
                try:
                    store.consume(value, audience=VERIFIER, purpose="presentation", now=NOW)
                except Exception as exc:  # Any failure is the finding.
                    problems.append(repr(exc))

        threads = [
            threading.Thread(target=claim, args=(values[n::12],), daemon=True) for n in range(12)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        assert problems == []
        assert not any(thread.is_alive() for thread in threads)  # None waits forever.
    finally:
        engine.dispose()
