"""Status lists served at the URLs credentials name, with HTTP caching, and changed over VC-API.

On SQLite and PostgreSQL (``db_url``): the board's two databases share the one URL, each with
its own version table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from issuer.http import IssuerSettings, create_app
from tests.issuer.http.conftest import ADMIN, CREDENTIAL, issue, local, problem
from vc_core import di
from vc_core.clock import FixedClock
from vc_core.keys import generate_key
from vc_core.status import decode_list, read_status_list_jwt
from vc_schemas.registry import loader


@pytest.fixture
def board(tmp_path: Path, db_url: str, clock: FixedClock) -> Iterator[TestClient]:
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board", environment="development", database_url=db_url
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def entry(credential: dict[str, Any], purpose: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose
    )
    return found


def bit(client: TestClient, status_entry: dict[str, Any]) -> int:
    answer = client.get(local(status_entry["statusListCredential"]))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    di.verify(document, loader=loader())
    assert document["id"] == status_entry["statusListCredential"]
    packed = decode_list(document["credentialSubject"]["encodedList"])
    return packed.get(int(status_entry["statusListIndex"]))


def change(client: TestClient, credential_id: str, purpose: str, status: bool = True) -> Any:
    body = {
        "credentialId": credential_id,
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "status": status,
        },
    }
    return client.post("/credentials/status", json=body, headers=ADMIN)


@pytest.mark.parametrize("instance", ["ecdsa", "eddsa"])
def test_a_list_is_served_at_the_url_credentials_name_with_caching(
    board: TestClient, instance: str
) -> None:
    credential = issue(board, instance)
    revocation = entry(credential, "revocation")
    path = local(revocation["statusListCredential"])
    answer = board.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vc"
    assert answer.json()["issuer"] == credential["issuer"]
    assert answer.headers["cache-control"].startswith("public, max-age=")
    assert answer.headers["last-modified"].endswith("GMT")
    etag = answer.headers["etag"]
    again = board.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert board.get(path, headers={"If-None-Match": '"v0-other"'}).status_code == 200
    assert bit(board, revocation) == 0


def test_the_token_form_is_served_to_who_accepts_it(board: TestClient) -> None:
    revocation = entry(issue(board), "revocation")
    answer = board.get(
        local(revocation["statusListCredential"]),
        headers={"Accept": "application/statuslist+jwt"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/statuslist+jwt"
    _header, token = read_status_list_jwt(answer.text)
    assert token.subject == revocation["statusListCredential"]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/vc"),
        ("application/vc, application/ld+json;q=0.5", "application/vc"),
        ("application/ld+json, application/json", "application/ld+json"),
        ("application/json", "application/json"),
        ("*/*", "application/vc"),
    ],
)
def test_a_json_ld_loader_gets_the_credential_as_json_ld(
    board: TestClient, accept: str | None, media: str
) -> None:
    path = local(entry(issue(board), "revocation")["statusListCredential"])
    answer = board.get(path, headers={"Accept": accept} if accept else {})
    assert answer.headers["content-type"] == media
    assert answer.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]


def test_revoking_republishes_the_list_at_once(board: TestClient) -> None:
    credential = issue(board)
    revocation = entry(credential, "revocation")
    etag = board.get(local(revocation["statusListCredential"])).headers["etag"]
    answer = change(board, credential["id"], "revocation")
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"][0]["statusListIndex"] == revocation["statusListIndex"]
    stale = board.get(local(revocation["statusListCredential"]), headers={"If-None-Match": etag})
    assert stale.status_code == 200  # A new version: the old ETag no longer matches.
    assert bit(board, revocation) == 1
    problem(
        change(board, credential["id"], "revocation", False), 400, "status.revocation_irreversible"
    )


def test_suspend_then_reinstate_and_the_dispositions_document(board: TestClient) -> None:
    credential = issue(board, "eddsa")
    suspension = entry(credential, "suspension")
    assert change(board, credential["id"], "suspension").status_code == 200
    assert bit(board, suspension) == 1
    dispositions = board.get(local(suspension["statusListCredential"]) + ".dispositions")
    assert dispositions.status_code == 200, dispositions.text
    assert dispositions.headers["content-type"] == "application/dispositions+jwt"
    assert "etag" in dispositions.headers
    assert change(board, credential["id"], "suspension", False).status_code == 200
    assert bit(board, suspension) == 0
    revocation = entry(credential, "revocation")
    no_dispositions = board.get(local(revocation["statusListCredential"]) + ".dispositions")
    problem(no_dispositions, 404, "request.not_found")


def test_named_statuses_as_vc_api_writes_them(board: TestClient) -> None:
    credential = issue(board, "ecdsa")

    def named(status: str) -> Any:
        body = {
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": status}],
        }
        return board.post("/credentials/status", json=body, headers=ADMIN)

    assert named("suspended").status_code == 200
    assert bit(board, entry(credential, "suspension")) == 1
    assert named("unsuspended").status_code == 200
    assert bit(board, entry(credential, "suspension")) == 0
    assert named("revoked").status_code == 200
    assert bit(board, entry(credential, "revocation")) == 1


def test_unknown_lists_and_credentials_are_404(board: TestClient) -> None:
    problem(board.get("/status/nosuchlist"), 404, "request.not_found")
    problem(board.get("/status/..%2Fetc"), 404, "request.not_found")
    problem(change(board, "urn:uuid:never-issued", "revocation"), 404, "status.credential_unknown")


def test_a_list_can_be_republished_on_request(board: TestClient) -> None:
    revocation = entry(issue(board), "revocation")
    path = local(revocation["statusListCredential"])
    assert board.post(path + "/publish", json={}, headers=ADMIN).status_code == 204
    problem(board.post(path + "/publish", json={}), 401, "request.unauthorized")
    problem(board.post("/status/nosuchlist/publish", headers=ADMIN), 404, "request.not_found")


def test_status_requests_of_the_wrong_shape_are_400(board: TestClient) -> None:
    for body in (
        {"credentialId": "x"},
        {
            "credentialId": "x",
            "credentialStatus": {"type": "StatusList2021Entry", "statusPurpose": "revocation"},
        },
        {
            "credentialId": "x",
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "message"},
        },
        {"credentialId": "x", "credentialStatus": []},
        {"credentialId": "x", "credentialStatus": {"type": "BitstringStatusListEntry"}},
        {
            "credentialId": "x",
            "credentialStatus": {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "suspension",
                "status": "revoked",
            },
        },
        {
            "credentialId": "x",
            "credentialStatus": {"type": "BitstringStatusListEntry", "status": "deleted"},
        },
        {
            "credentialId": 1,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        },
    ):
        problem(board.post("/credentials/status", json=body, headers=ADMIN), 400, "request.invalid")


def test_a_list_of_a_replaced_did_key_is_served_as_last_signed_until_it_expires(
    tmp_path: Path, clock: FixedClock
) -> None:
    """A did:key board that changes its key becomes another DID; its old lists cannot be
    re-signed, but their last publication stays valid until validUntil (one day)."""
    key = tmp_path / "old.jwk"
    generate_key("p256").save(key)
    settings = IssuerSettings.load(
        data_dir=tmp_path / "board", environment="development", signing_key=key
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        answer = client.post("/credentials/issue", json={"credential": CREDENTIAL}, headers=ADMIN)
        revocation = entry(answer.json()["verifiableCredential"], "revocation")
        signed = client.get(local(revocation["statusListCredential"])).content
    replaced = IssuerSettings.load(data_dir=tmp_path / "board", environment="development")
    with TestClient(create_app(replaced, clock=clock)) as client:
        path = local(revocation["statusListCredential"])
        assert client.get(path).content == signed
        clock.advance(timedelta(days=2))
        problem(client.get(path), 404, "request.not_found")
