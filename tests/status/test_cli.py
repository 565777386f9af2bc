"""``shikaku status``: decode and encode lists, run a local registry, check a credential.

The end-to-end test publishes a registry's lists to files, serves them from a real HTTP
server on 127.0.0.1 and checks credentials against them with ``shikaku status check``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()
SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]


def shikaku(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _ietf(vectors: Path, name: str) -> str:
    return (vectors / "ietf-token-status-list" / "examples" / f"{name}.md").read_text()


@pytest.mark.vectors
def test_decode_reads_the_published_examples(vectors: Path, tmp_path: Path) -> None:
    expected = json.loads(
        (vectors / "ietf-token-status-list" / "expected-statuses.json").read_text()
    )
    one_bit = {str(i): v for i, v in enumerate(expected["status_list_1bit"]["statuses"]) if v}
    jwt = tmp_path / "list.jwt"
    jwt.write_text(re.sub(r"\s", "", _ietf(vectors, "status_list_jwt_raw")))
    cwt = tmp_path / "list.cwt"
    cwt.write_bytes(bytes.fromhex(re.sub(r"\s", "", _ietf(vectors, "status_list_cwt"))))
    for path in (jwt, cwt):
        code, out = shikaku("status", "decode", str(path), "--json")
        assert code == 0
        assert json.loads(out) == {
            "format": "ietf",
            "statusPurpose": None,
            "size": 16,
            "bits": 1,
            "set": one_bit,
        }
    code, out = shikaku("status", "decode", "-", "--json", "--bits", "2", stdin="eNo76fITAAPfAgc")
    assert json.loads(out)["set"] == {"0": 1, "1": 2, "3": 3, "5": 1, "7": 1, "8": 1, "9": 2,
                                      "10": 3, "11": 3}  # fmt: skip
    spec = json.loads((vectors / "w3c-bitstring-status-list" / "spec-examples.json").read_text())
    code, out = shikaku("status", "decode", "-", "--json", stdin=spec["encodedList_all_zero_16KB"])
    assert json.loads(out) == {
        "format": "w3c",
        "statusPurpose": None,
        "size": 131072,
        "bits": 1,
        "set": {},
    }


@pytest.mark.parametrize(
    ("fmt", "bits"), [("w3c", "1"), ("w3c", "4"), ("ietf", "2"), ("ietf", "8")]
)
def test_encode_then_decode_round_trips(fmt: str, bits: str) -> None:
    top = 2 ** int(bits) - 1
    code, encoded = shikaku(
        "status", "encode", "--format", fmt, "--bits", bits, "--set", "0", "--set", f"77={top}",
        "--set", "131071=1",
    )  # fmt: skip
    assert code == 0
    code, out = shikaku(
        "status", "decode", "-", "--json", "--bits", bits, "--status-size", bits, stdin=encoded
    )
    assert json.loads(out) == {
        "format": fmt,
        "statusPurpose": None,
        "size": 131072,
        "bits": int(bits),
        "set": {"0": 1, "77": top, "131071": 1},
    }


def test_errors_are_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [*SHIKAKU, "status", "encode", "--format", "ietf", "--bits", "3", "--set", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: status.bits_unsupported:")
    assert len(result.stderr.strip().splitlines()) == 1


# -- Issuer and verifier, end to end ---------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a directory: (base URL, directory)."""
    root = tmp_path / "www" / "lists"
    root.mkdir(parents=True)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/lists", root
    server.shutdown()
    server.server_close()


def _credential(did: str, entries: list[dict[str, Any]]) -> str:
    return json.dumps({"issuer": did, "credentialStatus": entries, "credentialSubject": {}})


def test_registry_publish_and_check_end_to_end(
    tmp_path: Path, served: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, www = served
    monkeypatch.setenv("SHIKAKU_STATUS_DB", f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    key = tmp_path / "board.jwk"
    code, did = shikaku("keys", "generate", "--type", "p256", "--out", str(key))
    did = did.strip()
    entries = {}
    for name, subject in (("alice", "kangoshi:1"), ("bob", "kangoshi:2"), ("carol", "kangoshi:3")):
        code, out = shikaku(
            "status", "allocate", f"urn:uuid:{name}", "--issuer", did, "--base-url", base,
            "--subject", subject, "--purpose", "revocation", "--purpose", "suspension",
        )  # fmt: skip
        assert code == 0
        entries[name] = json.loads(out)
    why = [
        "--reason",
        "医道審議会答申",
        "--legal-basis",
        "保健師助産師看護師法第14条",
        "--actor",
        "mhlw",
    ]
    code, out = shikaku("status", "revoke", "urn:uuid:bob", "--code", "4", *why)
    assert {(c["purpose"], c["to"]) for c in json.loads(out)} == {("revocation", 1)}
    code, out = shikaku(
        "status", "suspend", "--subject", "kangoshi:3", "--from", "2020-04-01",
        "--until", "2999-01-01", *why,
    )  # fmt: skip
    assert json.loads(out)["changes"][0]["to"] == 1
    code, out = shikaku("status", "tick")
    assert json.loads(out) == {"schedules": [], "changes": []}
    code, out = shikaku("status", "publish", "--key", str(key), "--out", str(www))
    assert code == 0
    published = json.loads(out)
    # Two lists, each as a W3C credential and a token; the suspension list's dispositions.
    assert len(published) == 5
    assert all(item["etag"].startswith('"v') for item in published)

    allow = ["--allow", base + "/"]
    expected = {
        "alice": (0, {"status.revocation": None, "status.suspension": None}),
        "bob": (1, {"status.revocation": "status.revoked", "status.suspension": None}),
        "carol": (1, {"status.revocation": None, "status.suspension": "status.suspended"}),
    }
    for name, (exit_code, codes) in expected.items():
        code, out = shikaku("status", "check", "-", *allow, stdin=_credential(did, entries[name]))
        verdict = json.loads(out)
        assert code == exit_code, out
        assert {c["check"]: c.get("code") for c in verdict["checks"]} == codes
    # Without the allowlist, plain http is refused and nothing is fetched: could not verify.
    code, out = shikaku("status", "check", "-", stdin=_credential(did, entries["alice"]))
    assert code == 2
    assert {c.get("code") for c in json.loads(out)["checks"]} == {"status.url_not_allowed"}


# -- Issue 10: refusals of the registry commands ---------------------------------------------


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIKAKU, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_registry_commands_refuse_what_issue_10_names(tmp_path: Path) -> None:
    env = {**os.environ, "SHIKAKU_STATUS_DB": f"sqlite:///{tmp_path / 'registry.sqlite3'}"}
    key = tmp_path / "board.jwk"
    code, did = shikaku("keys", "generate", "--type", "p256", "--out", str(key))
    assert code == 0
    base = ["--base-url", "https://status.example.jp/lists"]
    refusals = {
        "status.issuer_invalid": ["allocate", "urn:uuid:a", "--issuer", "厚生労働省", *base],
        "status.id_invalid": ["allocate", "", "--issuer", did.strip(), *base],
        "status.cause_invalid": [
            "revoke", "urn:uuid:a", "--reason", "", "--legal-basis", "医師法第7条",
            "--actor", "mhlw",
        ],
        # A key whose DID owns no list: publishing nothing is an error, not "[]".
        "status.nothing_published": ["publish", "--key", str(key), "--out", str(tmp_path / "www")],
    }  # fmt: skip
    for expected, args in refusals.items():
        done = _run("status", *args, env=env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"error: {expected}:"), done.stderr
        assert done.stdout == ""
    assert not (tmp_path / "www").exists()
