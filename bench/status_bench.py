"""Status-list benchmarks, called by ``python -m bench.run`` (``make bench``).

Figures (medians; milliseconds, microseconds or indexes per second as each name says):

- ``publish_131072_after_one_change_ms`` and ``publish_1048576_after_one_change_ms``: one
  credential is revoked, then the timer runs while :meth:`StatusPublisher.publish` reads the
  list from the registry (SQLite), encodes it, signs the W3C credential (ecdsa-rdfc-2019) and
  the ``statuslist+jwt``, and stores both. The lists have 1 % of their entries set, at random.
- ``render_131072_ms`` / ``render_1048576_ms``: the same without the database: encode, sign
  and serialize both documents (:meth:`StatusPublisher.render`); the rest of the publish
  figure is SQLite reading the list and durably committing the publication (an fsync).
- ``encode_131072_ms`` / ``encode_1048576_ms``: GZIP + multibase of the same lists alone (the
  part the compression level decides).
- ``cached_check_us``: :meth:`StatusChecker.check` of a credential with a revocation and a
  suspension entry whose lists are cached and fresh; ``cached_entry_read_us``: one entry read
  from a cached, verified list.
- ``allocate_sqlite_per_s``, ``allocate_postgresql_per_s``: one process allocating one
  revocation index per transaction (each commit waits for the disk);
  ``allocate_batch_*_per_s``: :meth:`StatusRegistry.allocate_many` with 1,000 credentials per
  transaction, as a board issuing its register does; ``allocate_postgresql_4proc_per_s``:
  four processes allocating one index per transaction at once (total). PostgreSQL figures
  are left out when no server answers (``$SHIKAKU_TEST_POSTGRES_URL``, else 127.0.0.1:5432).

Benchmarks measure; they never assert.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.models import ListRow
from issuer.status.publish import StatusPublisher
from vc_core.keys import generate_key
from vc_core.status import MIN_ENTRIES, encode_list
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher

__all__ = ["run"]

_BASE = "https://status.bench.example/lists"


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def _fill(registry: StatusRegistry, fraction: float) -> None:
    """Set ``fraction`` of every list's entries at random, straight in the stored bitstring."""
    rng = random.Random(5)  # Benchmark data, not secrets.
    for info in registry.lists():
        packed = registry.snapshot(info.url).packed
        for index in rng.sample(range(info.size), int(info.size * fraction)):
            packed.set(index, 1)
        with registry.engine.begin() as connection:
            connection.execute(
                update(ListRow).where(ListRow.id == info.id).values(bitstring=packed.to_bytes())
            )


def _publish(size: int, rounds: int) -> tuple[float, float, float]:
    """(publish after one change, render alone, encode alone), in milliseconds."""
    with tempfile.TemporaryDirectory() as folder:
        config = RegistryConfig(base_url=_BASE, list_size=size, purposes=("revocation",))
        registry = StatusRegistry.open(f"sqlite:///{folder}/bench.sqlite3", config)
        publisher = StatusPublisher(registry, signer=generate_key("p256"))
        for n in range(rounds + 1):
            registry.allocate(f"urn:bench:{n}", issuer=publisher.issuer)
        _fill(registry, 0.01)
        (info,) = registry.lists()
        publisher.publish(info.url)  # Warm-up: contexts loaded, code paths compiled.
        publish = []
        for n in range(rounds):
            registry.revoke(
                credential_id=f"urn:bench:{n}", reason="bench", legal_basis="bench", actor="bench"
            )
            start = time.perf_counter()
            publisher.publish(info.url)
            publish.append(time.perf_counter() - start)
        snapshot = registry.snapshot(info.url)
        render, encode = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            publisher.render(snapshot, registry.now())
            render.append(time.perf_counter() - start)
            start = time.perf_counter()
            encode_list(snapshot.packed)
            encode.append(time.perf_counter() - start)
        registry.close()
    return _median_ms(publish), _median_ms(render), _median_ms(encode)


def _cached_lookups() -> tuple[float, float]:
    """(µs per cached credential check, µs per cached entry read)."""
    with tempfile.TemporaryDirectory() as folder:
        config = RegistryConfig(base_url=_BASE)
        registry = StatusRegistry.open(f"sqlite:///{folder}/bench.sqlite3", config)
        publisher = StatusPublisher(registry, signer=generate_key("p256"))
        entries = registry.allocate("urn:bench:c", issuer=publisher.issuer)
        credential = {
            "issuer": publisher.issuer,
            "credentialStatus": [entry.to_json() for entry in entries],
        }

        def serve(request: httpx.Request) -> httpx.Response:
            publication = publisher.get(str(request.url))
            headers = publication.headers(datetime.now(UTC))
            return httpx.Response(200, headers=headers, content=publication.body)

        fetcher = StatusListFetcher(FetchPolicy(), transport=httpx.MockTransport(serve))
        checker = StatusChecker(fetcher)
        first = checker.check(credential)  # Fills the cache.
        if not all(check.ok for check in first):
            raise RuntimeError(f"the benchmark credential does not check: {first}")
        rounds = 20_000
        start = time.perf_counter()
        for _ in range(rounds):
            checker.check(credential)
        per_check = (time.perf_counter() - start) / rounds
        verified = checker.cache.stale(entries[0].status_list_credential, "w3c")
        assert verified is not None
        index = entries[0].status_list_index
        start = time.perf_counter()
        for _ in range(rounds):
            verified.entries(1, MIN_ENTRIES).get(index)
        per_read = (time.perf_counter() - start) / rounds
        fetcher.close()
        registry.close()
    return round(per_check * 1e6, 2), round(per_read * 1e6, 3)


def _allocation_rate(url: str, count: int) -> float:
    config = RegistryConfig(base_url=_BASE, purposes=("revocation",))
    registry = StatusRegistry.open(url, config)
    registry.allocate("urn:bench:warm", issuer="did:example:bench")
    start = time.perf_counter()
    for n in range(count):
        registry.allocate(f"urn:bench:{n}", issuer="did:example:bench")
    elapsed = time.perf_counter() - start
    registry.close()
    return round(count / elapsed, 1)


def _batch_rate(url: str, batches: int, size: int) -> float:
    config = RegistryConfig(base_url=_BASE, purposes=("revocation",))
    registry = StatusRegistry.open(url, config)
    registry.allocate("urn:bench:warm", issuer="did:example:bench")
    start = time.perf_counter()
    for batch in range(batches):
        registry.allocate_many(
            [(f"urn:bench:{batch}:{n}", None) for n in range(size)], issuer="did:example:bench"
        )
    elapsed = time.perf_counter() - start
    registry.close()
    return round(batches * size / elapsed, 1)


def _allocate_worker(url: str, prefix: str, count: int, barrier: Any) -> None:
    config = RegistryConfig(base_url=_BASE, purposes=("revocation",))
    registry = StatusRegistry.open(url, config, run_migrations=False)
    barrier.wait()
    for n in range(count):
        registry.allocate(f"urn:{prefix}:{n}", issuer="did:example:bench")
    registry.close()


def _concurrent_rate(url: str, processes: int, count: int) -> float:
    StatusRegistry.open(url, RegistryConfig(base_url=_BASE)).close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    workers = [
        context.Process(target=_allocate_worker, args=(url, f"p{n}", count, barrier))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return round(processes * count / elapsed, 1)


def _postgres_server() -> str | None:
    url = os.environ.get("SHIKAKU_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1.0):
            return "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    except OSError:
        return None


@contextmanager
def _postgres_schema(server: str) -> Iterator[str]:
    schema = f"shikaku_bench_{secrets.token_hex(4)}"
    admin = create_engine(make_url(server).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _timed(name: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"  status bench: {name} ({time.perf_counter() - start:.1f} s)")
    return result


def run() -> dict[str, float]:
    """Every status-list figure (see the module)."""
    figures: dict[str, float] = {}
    for size, rounds in ((MIN_ENTRIES, 41), (1 << 20, 15)):
        publish, render, encode = _timed(
            f"{size:,} entries", functools.partial(_publish, size, rounds)
        )
        figures[f"publish_{size}_after_one_change_ms"] = publish
        figures[f"render_{size}_ms"] = render
        figures[f"encode_{size}_ms"] = encode
    check, read = _timed("cached lookups", _cached_lookups)
    figures["cached_check_us"] = check
    figures["cached_entry_read_us"] = read
    with tempfile.TemporaryDirectory() as folder:
        figures["allocate_sqlite_per_s"] = _timed(
            "SQLite allocation",
            lambda: _allocation_rate(f"sqlite:///{Path(folder) / 'alloc.sqlite3'}", 1000),
        )
        figures["allocate_batch_sqlite_per_s"] = _timed(
            "SQLite batch allocation",
            lambda: _batch_rate(f"sqlite:///{Path(folder) / 'batch.sqlite3'}", 10, 1000),
        )
    server = _postgres_server()
    if server is not None:
        with _postgres_schema(server) as url:
            figures["allocate_postgresql_per_s"] = _timed(
                "PostgreSQL allocation", lambda: _allocation_rate(url, 1000)
            )
        with _postgres_schema(server) as url:
            figures["allocate_batch_postgresql_per_s"] = _timed(
                "PostgreSQL batch allocation", lambda: _batch_rate(url, 10, 1000)
            )
        with _postgres_schema(server) as url:
            figures["allocate_postgresql_4proc_per_s"] = _timed(
                "PostgreSQL allocation, 4 processes", lambda: _concurrent_rate(url, 4, 1000)
            )
    return figures
