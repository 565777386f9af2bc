"""The verifier service under test: the real app over the world of ``tests/verifier/world.py``.

The board (status registry and publisher) is real and serves its lists through
:class:`httpx.MockTransport`; the trust registry is a TOML file naming the board as 厚生労働大臣
for 看護師; the service keeps its nonces in SQLite under ``tmp_path``. Only the network is
absent, and the clock is the world's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.verifier.world import AUDIENCE, BASE, World, handler, make_world
from verifier.http import VerifierSettings, create_app


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path)
    yield made
    made.registry.close()


@pytest.fixture
def settings(world: World, tmp_path: Path) -> VerifierSettings:
    registry = tmp_path / "trust.toml"
    world.trust.save(registry)
    return VerifierSettings.load(
        data_dir=tmp_path / "verifier",
        audience=AUDIENCE,
        trust_registry=registry,
        status_allow=(BASE + "/",),
        # OpenID4VP signs its requests with a development certificate made in data_dir.
        environment="development",
    )


@pytest.fixture
def client(world: World, settings: VerifierSettings) -> Iterator[TestClient]:
    app = create_app(
        settings, transport=handler(world.publisher, world.registry), clock=world.clock
    )
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


def challenge(client: TestClient, **body: Any) -> str:
    answer = client.post("/challenges", json=body)
    assert answer.status_code == 201, answer.text
    value: str = answer.json()["challenge"]
    return value


def codes(answer: Any) -> list[str | None]:
    return [error.get("code") for error in answer.json()["errors"]]
