"""``shikaku serve`` alone: the board, the hospital's page and an emulated card, on loopback.

A real process, as a newcomer starts it: it prints the URLs to open, both services answer
there (the page, the board's readiness and metadata), the folder is laid out once and reused
on the next start with the same ports, and SIGTERM stops it cleanly.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from verifier.trust import TrustRegistry

_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/")


@contextmanager
def _served(folder: Path, *extra: str) -> Iterator[tuple[str, str]]:
    """Start ``shikaku serve`` and wait for the lines naming its URLs (page, board)."""
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli.app import main; main()",
            "serve",
            "--data-dir",
            str(folder),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            urls: list[str] = []
            while len(urls) < 2:
                line = process.stdout.readline()
                if not line:
                    raise AssertionError("shikaku serve ended: " + process.stderr.read())
                urls += _URL.findall(line)
            yield urls[0], urls[1]
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                _, errors = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
        assert process.returncode == 0, errors


def _ready(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_runs_the_board_and_the_page_together_and_keeps_its_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "site"
    with _served(folder, "--issuer-port", "0", "--verifier-port", "0") as (page, board):
        assert _ready(f"{board}/readyz").json() == {"status": "ready"}
        shown = _ready(f"{page}/")
        assert shown.status_code == 200 and "資格の確認" in shown.text
        metadata = httpx.get(f"{board}/.well-known/openid-credential-issuer", timeout=5).json()
        assert metadata["credential_issuer"] == board
    for name in ("board.toml", "hospital.toml", "trust.toml", "card/card.json"):
        assert (folder / name).is_file(), name
    # The hospital trusts the board (its development key, made on first start).
    registry = TrustRegistry.load(folder / "trust.toml")
    (entry,) = list(registry)
    assert entry.id.startswith("did:key:") and "kangoshi" in entry.qualifications
    # A second start reuses the folder: the same ports (stored credentials name them), key
    # and trust; the ports given now are ignored.
    with _served(folder, "--issuer-port", "0") as again:
        assert again == (page, board)
        assert _ready(f"{board}/readyz").status_code == 200
    assert next(iter(TrustRegistry.load(folder / "trust.toml"))).id == entry.id
