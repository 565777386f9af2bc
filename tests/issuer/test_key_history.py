"""The board's did:web keys are recorded by every instance that starts, however many start at
once (:class:`issuer.identity.KeyHistory`, issue 14 "Many instances").

Two instances starting together on a fresh database both find no row for the key and insert
it; the second insert waits on the first's uncommitted row and then violates the primary key.
The test makes that interleaving happen for certain: another connection inserts the row and
holds its transaction open until ``record`` is seen waiting on it, then commits.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, select, text

from issuer.identity import KeyHistory, KeyRow, identity_of
from issuer.store import BoardStore
from service_kit.db import create_engine
from vc_core.keys import generate_key

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_WAIT = 60.0  # seconds: a bound on a hung wait, never a timing assertion


def test_two_instances_recording_the_same_key_at_once_both_start(postgres_url: str) -> None:
    store = BoardStore.open(postgres_url)
    other = create_engine(postgres_url)
    identity = identity_of(generate_key("p256"), "web", "https://board.example.jp")
    outcome: list[BaseException | None] = []

    def start() -> None:
        try:
            KeyHistory(store).record([identity], NOW, None)
        except BaseException as exc:  # Handed to the test thread to fail there.
            outcome.append(exc)
        else:
            outcome.append(None)

    try:
        with other.connect() as first:
            with first.begin():
                first.execute(
                    text(
                        "INSERT INTO board_keys (verification_method, did, public_jwk, first_used)"
                        " VALUES (:method, :did, '{}', :now)"
                    ),
                    {"method": identity.verification_method, "did": identity.did, "now": NOW},
                )
                second = threading.Thread(target=start)
                second.start()
                deadline = time.monotonic() + _WAIT
                while not _waiting_on_a_lock(other) and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert _waiting_on_a_lock(other), "record() never waited on the first insert"
            second.join(_WAIT)
        assert outcome == [None]
        with store.engine.connect() as connection:
            methods = connection.scalars(select(KeyRow.verification_method)).all()
        assert methods == [identity.verification_method]
    finally:
        other.dispose()
        store.close()


def _waiting_on_a_lock(engine: Engine) -> bool:
    """Whether a session waits on a lock to insert into board_keys (asked in a transaction of
    its own: within one, PostgreSQL answers from the snapshot its first question took)."""
    with engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                " AND query LIKE 'INSERT INTO board_keys%'"
            )
        ).scalar_one()
    return bool(waiting)
