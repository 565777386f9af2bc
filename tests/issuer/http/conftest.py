"""The board's service under test: the real app on SQLite (or PostgreSQL) under ``tmp_path``.

Development settings, so the three W3C suites' instances (``ecdsa``, ``ecdsa-sd``, ``eddsa``)
exist on did:key and the development API key holds every scope; the clock stands still.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from issuer.http import IssuerSettings, create_app
from issuer.settings import DEVELOPMENT_API_KEY
from tests.problems import problem
from vc_core.clock import FixedClock

__all__ = ["ADMIN", "CREDENTIAL", "issue", "local", "problem"]

ADMIN = {"Authorization": f"Bearer {DEVELOPMENT_API_KEY}"}
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "type": ["VerifiableCredential", "ExampleAlumniCredential"],
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "alumniOf": {"name": "Example University", "id": "did:example:c276e12ec21ebfeb1f712ebc6f1"},
    },
}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> IssuerSettings:
    return IssuerSettings.load(data_dir=tmp_path / "board", environment="development")


@pytest.fixture
def client(settings: IssuerSettings, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def issue(
    client: TestClient,
    instance: str = "ecdsa",
    credential: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    body = {"credential": credential or CREDENTIAL, "options": options}
    answer = client.post(f"/instances/{instance}/credentials/issue", json=body, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    issued: dict[str, Any] = answer.json()["verifiableCredential"]
    return issued


def local(url: str) -> str:
    """The path of one of the board's URLs (the TestClient speaks to the app directly)."""
    return "/" + url.split("/", 3)[3]
