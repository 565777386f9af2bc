"""Admin API keys: 401 with WWW-Authenticate without a known key, 403 without the scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from issuer.http import IssuerSettings, create_app
from issuer.settings import DEVELOPMENT_API_KEY, ApiKey, api_key_hash
from tests.issuer.http.conftest import CREDENTIAL, problem
from vc_core.clock import FixedClock
from vc_core.errors import ConfigError
from vc_core.keys import generate_key

ISSUE_KEY = "k7Qw2nVb9Xr4Lp8Zt1Hs6Jd3Fg5Mc0Ya-issue-only"
STATUS_KEY = "u3Ne8Rk1Wq6Tz9Gb2Vy5Hx0Lm4Pc7Jd-status-writer"
STATUS = {
    "credentialId": "urn:uuid:1",
    "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
}


@pytest.fixture
def production(tmp_path: Path, clock: FixedClock) -> Iterator[TestClient]:
    key = tmp_path / "board.jwk"
    generate_key("p256").save(key)
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board",
        environment="production",
        public_url="https://board.example.jp",
        signing_key=key,
        api_keys=(
            ApiKey(name="issuance", sha256=api_key_hash(ISSUE_KEY), scopes=frozenset({"issue"})),
            ApiKey(
                name="status", sha256=api_key_hash(STATUS_KEY), scopes=frozenset({"status:write"})
            ),
        ),
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-a-key-this-service-knows-at-all-42"), {"Authorization": f"Basic {ISSUE_KEY}"}],
    ids=["none", "unknown", "basic"],
)
def test_no_key_or_an_unknown_one_is_401_with_a_challenge(
    production: TestClient, headers: dict[str, str]
) -> None:
    answer = production.post("/credentials/issue", json={"credential": CREDENTIAL}, headers=headers)
    problem(answer, 401, "request.unauthorized")
    assert answer.headers["www-authenticate"].startswith("Bearer")
    answer = production.post("/credentials/status", json=STATUS, headers=headers)
    problem(answer, 401, "request.unauthorized")


def test_a_key_without_the_scope_is_403(production: TestClient) -> None:
    answer = production.post("/credentials/status", json=STATUS, headers=bearer(ISSUE_KEY))
    problem(answer, 403, "request.forbidden")
    answer = production.post(
        "/credentials/issue", json={"credential": CREDENTIAL}, headers=bearer(STATUS_KEY)
    )
    problem(answer, 403, "request.forbidden")


def test_keys_with_the_scope_are_let_through(production: TestClient) -> None:
    answer = production.post(
        "/credentials/issue", json={"credential": CREDENTIAL}, headers=bearer(ISSUE_KEY)
    )
    assert answer.status_code == 201, answer.text
    answer = production.post(
        "/credentials/status",
        json={**STATUS, "credentialId": answer.json()["verifiableCredential"]["id"]},
        headers=bearer(STATUS_KEY),
    )
    assert answer.status_code == 200, answer.text


def test_the_development_key_opens_nothing_in_production(production: TestClient) -> None:
    answer = production.post(
        "/credentials/issue", json={"credential": CREDENTIAL}, headers=bearer(DEVELOPMENT_API_KEY)
    )
    problem(answer, 401, "request.unauthorized")


def test_a_placeholder_key_is_refused_even_when_configured(
    tmp_path: Path, clock: FixedClock
) -> None:
    key = tmp_path / "board.jwk"
    generate_key("p256").save(key)
    weak = "changeme"
    settings = IssuerSettings.load(
        data_dir=tmp_path,
        environment="production",
        public_url="https://board.example.jp",
        signing_key=key,
        api_keys=(ApiKey(name="weak", sha256=api_key_hash(weak), scopes=frozenset({"issue"})),),
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        answer = client.post(
            "/credentials/issue", json={"credential": CREDENTIAL}, headers=bearer(weak)
        )
        problem(answer, 401, "request.unauthorized")


def test_settings_refuse_the_development_key_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        IssuerSettings.load(
            data_dir=tmp_path,
            environment="production",
            api_keys=(
                ApiKey(
                    name="dev",
                    sha256=api_key_hash(DEVELOPMENT_API_KEY),
                    scopes=frozenset({"issue"}),
                ),
            ),
        )
    assert raised.value.code == "config.secret_placeholder"


def test_public_documents_need_no_key(production: TestClient) -> None:
    for path in (
        "/healthz",
        "/readyz",
        "/.well-known/jwt-vc-issuer",
        "/shikaku/jp-nq/v1",
        "/openapi.json",
    ):
        assert production.get(path).status_code == 200, path
