"""OpenID4VP transactions in SQL: answered exactly once, on SQLite and PostgreSQL.

However many copies of a response arrive, from however many threads (or instances sharing
PostgreSQL), one claim wins and the others are ``oid4vp.transaction_answered``; an expired
transaction is claimed (so it can never be answered) and refused; verdicts are kept until
``keep_until`` and then purged; the decryption key is erased with the verdict.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from service_kit.db import create_engine
from service_kit.migrate import upgrade
from vc_core.errors import Oid4vpError
from verifier.oid4vp.store import SqlTransactions, Transaction, new_secret
from verifier.trust_sql import TRUST_MIGRATIONS

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlTransactions]:
    engine = create_engine(db_url)
    upgrade(engine, TRUST_MIGRATIONS)
    yield SqlTransactions(engine)
    engine.dispose()


def _add(store: SqlTransactions, secret: str = "read-secret") -> Transaction:
    return store.add(
        Transaction(
            id=new_secret()[:32],
            state=new_secret(),
            nonce=new_secret(),
            client_id="x509_san_dns:hospital.example.jp",
            response_mode="direct_post.jwt",
            qualification="kangoshi",
            profile="employer",
            formats=("dc+sd-jwt",),
            enc_key={"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "d": "d"},
            created_at=T0,
            expires_at=T0 + timedelta(minutes=5),
            keep_until=T0 + timedelta(minutes=35),
        ),
        secret,
    )


def test_a_transaction_is_claimed_once(store: SqlTransactions) -> None:
    made = _add(store)
    assert store.by_state(made.state, now=T0).id == made.id
    claimed = store.claim(made.id, now=T0 + timedelta(seconds=1))
    assert claimed.answered_at is not None
    with pytest.raises(Oid4vpError) as raised:
        store.claim(made.id, now=T0 + timedelta(seconds=2))
    assert raised.value.code == "oid4vp.transaction_answered"
    assert store.get(made.id, now=T0).status(T0) == "verifying"
    store.finish(made.id, {"verified": True})
    done = store.get(made.id, now=T0)
    assert done.status(T0) == "done" and done.result == {"verified": True}
    assert done.enc_key is None


def test_racing_claims_have_one_winner(store: SqlTransactions) -> None:
    made = _add(store)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        try:
            store.claim(made.id, now=T0)
            results.append("won")
        except Oid4vpError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["oid4vp.transaction_answered"] * 7 + ["won"]


def test_an_expired_transaction_is_used_up_and_refused(store: SqlTransactions) -> None:
    made = _add(store)
    late = T0 + timedelta(minutes=6)
    assert store.get(made.id, now=late).status(late) == "expired"
    with pytest.raises(Oid4vpError) as raised:
        store.claim(made.id, now=late)
    assert raised.value.code == "oid4vp.transaction_expired"
    with pytest.raises(Oid4vpError) as again:
        store.claim(made.id, now=late)
    assert again.value.code == "oid4vp.transaction_answered"


def test_verdicts_are_purged_after_keep_until(store: SqlTransactions) -> None:
    made = _add(store)
    later = T0 + timedelta(minutes=36)
    with pytest.raises(Oid4vpError) as raised:
        store.get(made.id, now=later)
    assert raised.value.code == "oid4vp.transaction_unknown"
    assert store.purge(now=later) == 1
    assert store.purge(now=later) == 0


def test_the_read_secret_is_stored_hashed(store: SqlTransactions, db_url: str) -> None:
    made = _add(store, secret="the-page-secret")
    assert made.readable_with("the-page-secret")
    assert not made.readable_with("another") and not made.readable_with(None)
    engine = create_engine(db_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT secret_hash FROM oid4vp_transactions")).scalar()
    engine.dispose()
    assert stored != "the-page-secret" and len(str(stored)) == 64


def test_unknown_ids_and_states(store: SqlTransactions) -> None:
    for value in ("", "x" * 500, "nope"):
        with pytest.raises(Oid4vpError) as raised:
            store.get(value, now=T0)
        assert raised.value.code == "oid4vp.transaction_unknown"
        with pytest.raises(Oid4vpError):
            store.by_state(value, now=T0)
    with pytest.raises(Oid4vpError) as claimed:
        store.claim("nope", now=T0)
    assert claimed.value.code == "oid4vp.transaction_unknown"
