"""A board publishing status lists and a verifier fetching them through a mock transport.

The board is the real registry and publisher (SQLite in a temporary directory); the HTTP
exchange goes through :class:`httpx.MockTransport`, which serves the publisher's documents
with their ETag and Cache-Control, answers conditional requests with 304 and a document the
publisher does not have with 404. Tests swap in a misbehaving handler to play a hostile or
broken server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.publish import StatusPublisher
from vc_core.errors import StatusError
from vc_core.keys import generate_key
from verifier.status import FetchPolicy, StatusChecker, StatusListCache, StatusListFetcher

BASE = "https://status.example.jp/kangoshi"
T0 = datetime(2025, 4, 1, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Board:
    """The issuer side: registry, publisher, and the credentials it has issued."""

    registry: StatusRegistry
    publisher: StatusPublisher

    @property
    def issuer(self) -> str:
        return self.publisher.issuer

    def issue(self, credential_id: str, **kwargs: Any) -> dict[str, Any]:
        """A credential (unsigned: only its issuer and status entries matter here)."""
        entries = self.registry.allocate(credential_id, issuer=self.issuer, **kwargs)
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": credential_id,
            "type": ["VerifiableCredential"],
            "issuer": {"id": self.issuer, "name": "厚生労働大臣"},
            "credentialStatus": [entry.to_json() for entry in entries],
            "credentialSubject": {"id": "did:example:holder"},
        }


@dataclass
class Web:
    """The mock HTTP server: serves the board's lists unless a test overrides a URL."""

    board: Board
    requests: list[httpx.Request] = field(default_factory=list)
    overrides: dict[str, Handler] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if url in self.overrides:
            return self.overrides[url](request)
        try:
            publication = self.board.publisher.for_accept(url, request.headers.get("Accept"))
        except StatusError as exc:
            if exc.code != "status.list_unreachable":
                raise
            return httpx.Response(404)
        headers = publication.headers(self.board.registry.now())
        if publication.matches(request.headers.get("If-None-Match")):
            return httpx.Response(304, headers=headers)
        return httpx.Response(200, headers=headers, content=publication.body)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(tmp_path: Path, clock: Clock) -> Iterator[Board]:
    config = RegistryConfig(base_url=BASE, purposes=("revocation", "suspension", "message"))
    registry = StatusRegistry.open(f"sqlite:///{tmp_path / 'board.sqlite3'}", config, now=clock)
    yield Board(registry, StatusPublisher(registry, signer=generate_key("p256")))
    registry.close()


@pytest.fixture
def web(board: Board) -> Web:
    return Web(board)


@pytest.fixture
def make_checker(web: Web, clock: Clock) -> Iterator[Callable[..., StatusChecker]]:
    fetchers: list[StatusListFetcher] = []

    def make(
        policy: FetchPolicy | None = None, cache: StatusListCache | None = None
    ) -> StatusChecker:
        fetcher = StatusListFetcher(
            policy or FetchPolicy(allow=(BASE + "/",)),
            transport=httpx.MockTransport(web.handle),
            now=clock,
        )
        fetchers.append(fetcher)
        return StatusChecker(fetcher, cache=cache, now=clock)

    yield make
    for fetcher in fetchers:
        fetcher.close()


@pytest.fixture
def checker(make_checker: Callable[..., StatusChecker]) -> StatusChecker:
    return make_checker()
