"""Two board settings a deployment chooses: who may hold a credential, and how long status
lists may be cached."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from issuer.board import open_board
from issuer.http import IssuerSettings, create_app
from issuer.oid4vci import Oid4vciIssuer
from issuer.oid4vci.holders import EnrolledKeys, ProofKeyTypes
from tests.issuer.http.conftest import issue, local
from vc_core.errors import ConfigError
from vc_core.keys import generate_key


@pytest.mark.parametrize(
    ("environment", "holders", "policy"),
    [
        ("development", None, ProofKeyTypes),
        ("development", "any", ProofKeyTypes),
        ("development", "enrolled", EnrolledKeys),
        ("production", None, EnrolledKeys),
        ("production", "enrolled", EnrolledKeys),
    ],
)
def test_who_may_hold_follows_oid4vci_holders(
    tmp_path: Path, environment: str, holders: str | None, policy: type
) -> None:
    key = tmp_path / "board.jwk"
    if environment == "production":
        generate_key("p256").save(key)
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board",
        environment=environment,
        oid4vci_holders=holders,
        **({"signing_key": key} if environment == "production" else {}),
    )
    board = open_board(settings)
    try:
        assert isinstance(Oid4vciIssuer(board).key_proofs, policy)
    finally:
        board.close()


def test_any_holder_is_refused_outside_development(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        IssuerSettings.load(data_dir=tmp_path, environment="production", oid4vci_holders="any")
    assert raised.value.code == "config.invalid" and "oid4vci_holders" in raised.value.message


@pytest.mark.parametrize("ttl", [1, 300, 3600])
def test_status_lists_may_be_cached_for_the_configured_time(tmp_path: Path, ttl: int) -> None:
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board", environment="development", status_list_ttl_seconds=ttl
    )
    with TestClient(create_app(settings)) as client:
        credential = issue(client)
        entry = credential["credentialStatus"][0]
        answer = client.get(local(entry["statusListCredential"]))
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == f"public, max-age={ttl}"
        assert answer.json()["credentialSubject"]["ttl"] == ttl * 1000
