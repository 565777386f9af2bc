"""Worker run in separate processes to race for nonces in one SQL database."""

from __future__ import annotations

import datetime as dt
import random
from threading import Barrier

import sqlalchemy as sa

from jpki_bridge.nonces import SqlNonceStore
from vc_core.errors import CardError


def consume_all(
    url: str, table: str, nonces: list[str], *, now: str, seed: int, start: Barrier
) -> list[str]:
    """Try to consume every nonce once, in a shuffled order; return the ones this process won.

    All workers wait at ``start`` first, so they really race.
    """
    engine = sa.create_engine(url)
    store = SqlNonceStore(engine, table=table)
    moment = dt.datetime.fromisoformat(now)
    order = list(nonces)
    random.Random(seed).shuffle(order)
    start.wait()
    won = []
    for nonce in order:
        try:
            store.consume(nonce, now=moment)
        except CardError as exc:
            if exc.code != "card.nonce_reused":
                raise
            continue
        won.append(nonce)
    engine.dispose()
    return won
