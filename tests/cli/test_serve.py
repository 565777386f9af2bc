"""``shikaku serve verifier``: its settings are checked before anything listens."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.interop.test_oid4vci_wallet import make_tls


def test_a_verifier_that_does_not_know_its_audience_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHIKAKU_AUDIENCE", raising=False)
    result = CliRunner().invoke(app, ["serve", "verifier"])
    assert result.exit_code == 2
    assert "config.invalid" in result.output and "audience" in result.output


def test_a_missing_trust_registry_is_refused_before_listening(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "serve",
            "verifier",
            "--audience",
            "https://hospital.example.jp",
            "--trust",
            str(tmp_path / "missing.toml"),
        ],
    )
    assert result.exit_code == 2
    assert "config.invalid" in result.output and "trust_registry" in result.output


def test_the_verifier_serves_https_with_the_certificate_it_is_given(
    tmp_path: Path, free_tcp_port: int
) -> None:
    """``--ssl-certfile``/``--ssl-keyfile``: the W3C suites reach the verifier over https."""
    tls = make_tls(tmp_path)
    environment = {
        **os.environ,
        "SHIKAKU_DATA_DIR": str(tmp_path / "verifier"),
        "SHIKAKU_ENVIRONMENT": "development",
        "SHIKAKU_AUDIENCE": f"https://127.0.0.1:{free_tcp_port}",
    }
    program = "from cli.app import main; main()"
    command = [sys.executable, "-c", program, "serve", "verifier", "--port", str(free_tcp_port)]
    command += ["--ssl-certfile", str(tls.certificate), "--ssl-keyfile", str(tls.key)]
    log = tmp_path / "verifier.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    try:
        url = f"https://127.0.0.1:{free_tcp_port}/credentials/verify"
        with httpx.Client(verify=ssl.create_default_context(cafile=tls.ca)) as client:
            answer = None
            while answer is None and process.poll() is None:
                try:
                    answer = client.post(url, json={})
                except httpx.ConnectError:
                    time.sleep(0.2)
        assert answer is not None, log.read_text(encoding="utf-8", errors="replace")
        assert answer.status_code == 400
        assert answer.json()["code"] == "request.invalid"
    finally:
        process.terminate()
        process.wait(timeout=60)
