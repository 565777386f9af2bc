"""The board's public documents: did.json across a key rotation, JWT VC issuer metadata, our
contexts and schemas, the probes and the OpenAPI document."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from starlette.testclient import TestClient

from issuer.http import IssuerSettings, create_app
from tests.issuer.http.conftest import ADMIN, CREDENTIAL, problem
from vc_core import di
from vc_core.clock import FixedClock
from vc_core.did import verification_method_from_document
from vc_core.keys import generate_key, jwk_thumbprint, public_jwk
from vc_schemas.registry import BUNDLED, bundled_documents, loader


def web_settings(tmp_path: Path, key: Path, **values: Any) -> IssuerSettings:
    return IssuerSettings.load(
        data_dir=tmp_path / "board",
        environment="development",
        public_url="https://board.example.jp:8443",
        did_method="web",
        signing_key=key,
        **values,
    )


def new_key(path: Path) -> str:
    key = generate_key("p256")
    key.save(path)
    return jwk_thumbprint(public_jwk(key.public_key))


def fragments(client: TestClient) -> list[str]:
    answer = client.get("/.well-known/did.json")
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["id"] == "did:web:board.example.jp%3A8443"
    return [m["id"].partition("#")[2] for m in document["verificationMethod"]]


def test_a_did_web_board_signs_as_itself_and_its_document_resolves_the_proof(
    tmp_path: Path, clock: FixedClock
) -> None:
    new_key(tmp_path / "k1.jwk")
    with TestClient(create_app(web_settings(tmp_path, tmp_path / "k1.jwk"), clock=clock)) as client:
        answer = client.post("/credentials/issue", json={"credential": CREDENTIAL}, headers=ADMIN)
        assert answer.status_code == 201, answer.text
        issued = answer.json()["verifiableCredential"]
        assert issued["issuer"] == "did:web:board.example.jp%3A8443"
        document = client.get("/.well-known/did.json").json()
        listed = client.get(
            "/status/" + issued["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[1]
        ).json()
    assert listed["issuer"] == issued["issuer"]

    def resolver(url: str) -> Any:
        return verification_method_from_document(document, url)

    di.verify(issued, loader=loader(), resolver=resolver)
    di.verify(listed, loader=loader(), resolver=resolver)


def test_after_a_rotation_the_old_key_stays_listed_until_its_retention_ends(
    tmp_path: Path, clock: FixedClock, db_url: str
) -> None:
    """On SQLite and PostgreSQL: the key history outlives the process that recorded it."""
    first = new_key(tmp_path / "k1.jwk")
    second = new_key(tmp_path / "k2.jwk")
    before = web_settings(tmp_path, tmp_path / "k1.jwk", database_url=db_url)
    with TestClient(create_app(before, clock=clock)) as client:
        assert fragments(client) == [first]
    clock.advance(timedelta(days=30))
    rotated = web_settings(tmp_path, tmp_path / "k2.jwk", retired_key_days=365, database_url=db_url)
    with TestClient(create_app(rotated, clock=clock)) as client:
        assert fragments(client) == [second, first]
        clock.advance(timedelta(days=366))
        assert fragments(client) == [second]


def test_a_retired_key_without_retention_is_listed_for_good(
    tmp_path: Path, clock: FixedClock
) -> None:
    first = new_key(tmp_path / "k1.jwk")
    second = new_key(tmp_path / "k2.jwk")
    with TestClient(create_app(web_settings(tmp_path, tmp_path / "k1.jwk"), clock=clock)):
        pass
    with TestClient(create_app(web_settings(tmp_path, tmp_path / "k2.jwk"), clock=clock)) as client:
        clock.advance(timedelta(days=3650))
        assert fragments(client) == [second, first]


def test_a_did_key_board_has_no_did_document(client: TestClient) -> None:
    problem(client.get("/.well-known/did.json"), 404, "request.not_found")


def test_jwt_vc_issuer_metadata_lists_the_keys_with_their_kids(client: TestClient) -> None:
    metadata = client.get("/.well-known/jwt-vc-issuer").json()
    assert metadata["issuer"] == "http://127.0.0.1:8100"
    kids = {key["kid"] for key in metadata["jwks"]["keys"]}
    for instance in ("ecdsa", "eddsa"):
        body = {"credential": CREDENTIAL}
        issued = client.post(f"/instances/{instance}/credentials/issue", json=body, headers=ADMIN)
        assert issued.json()["verifiableCredential"]["proof"]["verificationMethod"] in kids
    assert all("d" not in key for key in metadata["jwks"]["keys"])


def test_contexts_and_schemas_are_served_as_bundled(client: TestClient) -> None:
    for document in BUNDLED:
        path = "/" + document.url.split("/", 3)[3]
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert json.loads(answer.content) == bundled_documents()[document.url]


def test_readiness_answers_503_when_a_database_is_down(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    board = client.app.state.board  # type: ignore[attr-defined]
    working = board.registry.engine
    board.registry.engine = create_engine("postgresql+psycopg://shikaku@127.0.0.1:9/none")
    try:
        problem(client.get("/readyz"), 503, "storage.unavailable")
        assert client.get("/healthz").status_code == 200
    finally:
        board.registry.engine.dispose()
        board.registry.engine = working


def test_the_service_also_speaks_openid4vci(client: TestClient) -> None:
    metadata = client.get("/.well-known/openid-credential-issuer")
    assert metadata.status_code == 200, metadata.text
    assert metadata.json()["credential_issuer"] == "http://127.0.0.1:8100"


def test_the_openapi_document_describes_the_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert {
        "/credentials/issue",
        "/instances/{name}/credentials/issue",
        "/credentials/status",
        "/status/{name}",
        "/.well-known/did.json",
        "/.well-known/jwt-vc-issuer",
        "/healthz",
        "/readyz",
    } <= set(paths)
    issue = paths["/credentials/issue"]["post"]
    schema = issue["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/IssueRequest"}
    assert document["components"]["schemas"]["IssueRequest"]["additionalProperties"] is False
