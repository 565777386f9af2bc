"""``shikaku status check`` of SD-JWT credentials, against the folder ``status publish`` wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.status_check import PublishedFolder

runner = CliRunner()
WHY = ["--reason", "免許取消", "--legal-basis", "保健師助産師看護師法第14条", "--actor", "mhlw"]


def shikaku(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _codes(out: str) -> dict[str, Any]:
    return {c["check"]: c.get("code") for c in json.loads(out)["checks"]}


def test_the_folder_answers_as_the_publishers_server(tmp_path: Path) -> None:
    (tmp_path / "list-1").write_bytes(b"{w3c}")
    (tmp_path / "list-1.jwt").write_bytes(b"token")
    (tmp_path.parent / "secret").write_bytes(b"outside")
    client = httpx.Client(transport=PublishedFolder(tmp_path))
    base = "https://registry.example/status"
    w3c = client.get(f"{base}/list-1", headers={"Accept": "application/vc"})
    assert (w3c.status_code, w3c.content) == (200, b"{w3c}")
    token = client.get(f"{base}/list-1", headers={"Accept": "application/statuslist+jwt"})
    assert (token.status_code, token.content) == (200, b"token")
    assert token.headers["Content-Type"] == "application/statuslist+jwt"
    assert client.get(f"{base}/list-2").status_code == 404
    assert client.get(f"{base}/..").status_code == 404
    assert client.get(f"{base}/%2E%2E%2Fsecret").status_code == 404


@pytest.fixture
def board(tmp_path: Path) -> tuple[Path, str]:
    key = tmp_path / "board.jwk"
    code, did, _ = shikaku("keys", "generate", "--type", "p256", "--out", str(key))
    assert code == 0
    return key, did.strip()


def test_an_sd_jwt_credentials_status_is_checked_before_and_after_revocation(
    tmp_path: Path, board: tuple[Path, str]
) -> None:
    key, did = board
    registry, site = ["--data-dir", str(tmp_path / "reg")], tmp_path / "site"
    code, entries, _ = shikaku(
        "status", "allocate", "urn:uuid:hanako", "--issuer", did,
        "--base-url", "https://registry.example/status", *registry,
    )  # fmt: skip
    assert code == 0
    revocation = json.loads(entries)[0]
    assert revocation["statusPurpose"] == "revocation"
    code, credential, _ = shikaku("schemas", "sample", "kangoshi", "--issuer-id", did)
    (tmp_path / "credential.json").write_text(credential, encoding="utf-8")
    code, sd_jwt, _ = shikaku(
        "vc", "sign", "--format", "dc+sd-jwt", "--key", str(key),
        "--status-uri", revocation["statusListCredential"],
        "--status-idx", revocation["statusListIndex"], str(tmp_path / "credential.json"),
    )  # fmt: skip
    assert code == 0, sd_jwt
    token = tmp_path / "cred.sdjwt"
    token.write_text(sd_jwt, encoding="utf-8")

    code, out, err = shikaku("status", "publish", "--key", str(key), "--out", str(site), *registry)
    assert code == 0
    published = json.loads(out)
    assert {item["file"] for item in published} == {
        name for name in (p.name for p in site.iterdir())
    }
    assert all(item["validUntil"].endswith("+00:00") for item in published)
    assert f"the lists expire at {min(i['validUntil'] for i in published)}" in err

    code, out, _ = shikaku("status", "check", str(token), "--lists", str(site))
    assert (code, _codes(out)) == (0, {"proof": None, "status.token": None}), out

    code, _, _ = shikaku("status", "revoke", "urn:uuid:hanako", "--code", "3", *WHY, *registry)
    assert code == 0
    shikaku("status", "publish", "--key", str(key), "--out", str(site), *registry)
    code, out, _ = shikaku("status", "check", str(token), "--lists", str(site))
    assert (code, _codes(out)) == (1, {"proof": None, "status.token": "status.revoked"}), out

    # Only the issuer may say where its status lives: a token whose signature fails is
    # refused before any list is read.
    signature = sd_jwt.split("~", 1)[0].rsplit(".", 1)[1]
    other = "A" if signature[10] != "A" else "B"
    forged = sd_jwt.replace(signature, signature[:10] + other + signature[11:], 1)
    token.write_text(forged, encoding="utf-8")
    code, out, _ = shikaku("status", "check", str(token), "--lists", str(site))
    assert (code, _codes(out)) == (1, {"proof": "jose.signature_invalid"}), out
    # Without --lists the lists come from the web, under the fetch policy (no network here).
    token.write_text(sd_jwt, encoding="utf-8")
    code, out, _ = shikaku("status", "check", str(token), "--allow", "https://elsewhere.example/")
    assert (code, _codes(out)["status.token"]) == (2, "status.url_not_allowed")  # could not verify


def test_a_missing_list_is_unreachable_and_fails_closed(
    tmp_path: Path, board: tuple[Path, str]
) -> None:
    _, did = board
    credential = {
        "issuer": did,
        "credentialSubject": {},
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": "https://registry.example/status/none",
        },
    }
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    (tmp_path / "site").mkdir()
    code, out, _ = shikaku("status", "check", str(path), "--lists", str(tmp_path / "site"))
    assert (code, _codes(out)) == (2, {"status.revocation": "status.list_unreachable"})
    path.write_bytes(b"\xff\xfe not text")
    code, _, err = shikaku("status", "check", str(path))
    assert code == 2 and "not UTF-8" in err
