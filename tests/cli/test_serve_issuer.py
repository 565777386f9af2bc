"""``shikaku serve issuer``: the W3C manifest names the DIDs the served board really signs as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.app import app
from issuer.http import IssuerSettings, create_app
from tests.issuer.http.conftest import ADMIN, CREDENTIAL


def test_the_manifest_lists_each_instance_as_the_service_signs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIKAKU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHIKAKU_ADMIN_API_KEY", raising=False)
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "issuer",
            "--development",
            "--w3c-manifest",
            "--public-url",
            "https://127.0.0.1:40443",
            "--verifier-url",
            "https://127.0.0.1:40444/",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.output)
    issuers = {i["endpoint"].split("/")[-3]: i for i in manifest["issuers"]}
    assert {name: i["tags"][0] for name, i in issuers.items()} == {
        "ecdsa": "ecdsa-rdfc-2019",
        "ecdsa-sd": "ecdsa-sd-2023",
        "eddsa": "eddsa-rdfc-2022",
    }
    assert (
        issuers["ecdsa"]["endpoint"] == "https://127.0.0.1:40443/instances/ecdsa/credentials/issue"
    )
    assert issuers["ecdsa"]["headers"] == ADMIN
    # The VC Data Model 2.0 suite runs against what is tagged vc2.0: one issuer, the verifiers.
    assert [name for name, i in issuers.items() if "vc2.0" in i["tags"]] == ["ecdsa"]
    assert "vc2.0" in manifest["verifiers"][0]["tags"]
    assert "vc2.0" in manifest["vpVerifiers"][0]["tags"]
    assert manifest["verifiers"][0]["endpoint"] == "https://127.0.0.1:40444/credentials/verify"
    assert manifest["vpVerifiers"][0]["endpoint"] == "https://127.0.0.1:40444/presentations/verify"
    assert manifest["statusUpdaters"][0]["endpoint"] == "https://127.0.0.1:40443/credentials/status"
    settings = IssuerSettings.load(
        data_dir=tmp_path, environment="development", public_url="https://127.0.0.1:40443"
    )
    with TestClient(create_app(settings)) as client:
        for name, entry in issuers.items():
            body = {"credential": {**CREDENTIAL, "issuer": entry["id"]}}
            answer = client.post(f"/instances/{name}/credentials/issue", json=body, headers=ADMIN)
            assert answer.status_code == 201, answer.text


def test_a_production_manifest_needs_the_key_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHIKAKU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SHIKAKU_ADMIN_API_KEY", raising=False)
    monkeypatch.delenv("SHIKAKU_ENVIRONMENT", raising=False)
    result = CliRunner().invoke(app, ["serve", "issuer", "--w3c-manifest"])
    assert result.exit_code != 0
    assert "config.invalid" in result.output


def test_a_board_whose_database_fails_says_so_in_one_line_before_listening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be", encoding="utf-8")
    monkeypatch.setenv("SHIKAKU_DATA_DIR", str(tmp_path / "board"))
    monkeypatch.setenv("SHIKAKU_DATABASE_URL", f"sqlite:///{blocked}/board.sqlite3")
    result = CliRunner().invoke(app, ["serve", "issuer", "--development", "--port", "0"])
    assert result.exit_code != 0
    assert "storage." in result.output and "Traceback" not in result.output
