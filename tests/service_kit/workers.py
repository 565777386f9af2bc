"""Work run in separate processes: racing to consume nonces, and to migrate one database."""

from __future__ import annotations

import datetime as dt
import random
from threading import Barrier

from service_kit.db import create_engine
from service_kit.migrate import KIT_MIGRATIONS, current_revision, upgrade
from service_kit.nonces import SqlNonceStore
from vc_core.errors import NonceError


def consume_all(
    url: str, nonces: list[str], *, audience: str, now: str, seed: int, start: Barrier
) -> list[str]:
    """Try to consume every nonce once, in a shuffled order; return the ones this process won.

    All workers wait at ``start`` first, so they really race. A loss must be ``nonce.reused``.
    """
    engine = create_engine(url)
    store = SqlNonceStore(engine)
    moment = dt.datetime.fromisoformat(now)
    order = list(nonces)
    random.Random(seed).shuffle(order)
    start.wait()
    won = []
    for nonce in order:
        try:
            store.consume(nonce, audience=audience, purpose="presentation", now=moment)
        except NonceError as exc:
            if exc.code != "nonce.reused":
                raise
            continue
        won.append(nonce)
    engine.dispose()
    return won


def migrate_once(url: str, *, start: Barrier) -> str | None:
    """Bring the kit's tables up to head as a freshly started service would; its revision."""
    engine = create_engine(url)
    start.wait()
    upgrade(engine, KIT_MIGRATIONS)
    revision = current_revision(engine, KIT_MIGRATIONS)
    engine.dispose()
    return revision
