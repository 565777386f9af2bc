"""Shared fixtures: the vectors folder, a guard that fails any network access, databases,
nonce stores."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from service_kit.db import create_engine
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import InMemoryNonceStore, NonceStore, SqlNonceStore
from tests.issuer.pg import postgres_server, temporary_schema

# No per-example deadline: shikaku measures speed in `make bench`, never with
# timed assertions in tests. CI (CI=true) replays a fixed set of examples so a
# run is reproducible; developers' runs explore new ones and keep failures in
# .hypothesis/ for the next run.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

_VECTORS = Path(
    os.environ.get(
        "SHIKAKU_VECTORS", Path(__file__).resolve().parents[1] / ".." / "shared" / "vectors"
    )
).resolve()

_LOOPBACK = ("127.", "::1", "localhost")


def vectors_dir() -> Path:
    """The published vectors (../shared/vectors, or $SHIKAKU_VECTORS); skip when absent."""
    if not (_VECTORS / "MANIFEST.md").is_file():
        pytest.skip(f"published test vectors not found at {_VECTORS} (set SHIKAKU_VECTORS)")
    return _VECTORS


@pytest.fixture
def vectors() -> Path:
    return vectors_dir()


class NetworkAccessInTest(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps what shikaku stores per user (the CLI verifier's nonces, the trust
    registry) in folders of its own, never in the real home of whoever runs the tests."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in ("SHIKAKU_DATA_DIR", "SHIKAKU_TRUST_REGISTRY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection to a non-loopback address: tests run offline.

    Loopback stays open because the real parts (pcscd/vpcd, PostgreSQL, the
    HTTP app under test) live on this machine.
    """
    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def _host(address: Any) -> str:
        if isinstance(address, tuple) and address:
            return str(address[0])
        return str(address)

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _host(address).startswith(
            _LOOPBACK
        ):
            raise NetworkAccessInTest(f"test tried to reach {address!r}")
        return real_connect(self, address)

    def guarded_create(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _host(address).startswith(_LOOPBACK):
            raise NetworkAccessInTest(f"test tried to reach {address!r}")
        return real_create(address, *args, **kwargs)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not str(host).startswith(_LOOPBACK):
            raise NetworkAccessInTest(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield


# -- databases: each storage test runs on SQLite and on PostgreSQL ---------------------------------


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema of its own (skips, with the reason, without a server)."""
    server, reason = postgres_server()
    if server is None:
        pytest.skip(reason)
    with temporary_schema(server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'status.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The test runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url = request.getfixturevalue(name)
    assert isinstance(url, str)
    return url


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def nonce_store(request: pytest.FixtureRequest) -> Iterator[NonceStore]:
    """Each nonce store in turn: in memory, on SQLite, on PostgreSQL (migrated)."""
    if request.param == "memory":
        yield InMemoryNonceStore()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    engine = create_engine(url)
    try:
        upgrade(engine, KIT_MIGRATIONS)
        yield SqlNonceStore(engine)
    finally:
        engine.dispose()
