"""Third-party programs on Node.js for the interop tests: the npm packages pinned in this folder's
``package.json`` installed once into a cache folder (``npm install --prefix``, never committed),
and a script run there as a service for the length of a test.

Without node or npm, or with the npm registry out of reach, the tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CACHE", "install", "node_service"]

HERE = Path(__file__).parent
CACHE = Path(sys.prefix) / "interop-node" / "oid4vp"


def install(*scripts: str) -> Path:
    """The cache folder with the packages installed (once per ``package.json``) and
    ``scripts`` copied beside them, so that their imports resolve there."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("node and npm are not installed: the third-party programs cannot run")
    CACHE.mkdir(parents=True, exist_ok=True)
    wanted = (HERE / "package.json").read_text()
    stamp = CACHE / ".installed"
    if not (stamp.exists() and stamp.read_text() == wanted):
        (CACHE / "package.json").write_text(wanted)
        try:
            done = subprocess.run(
                [npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("npm install did not finish: the npm registry is out of reach")
        if done.returncode != 0:
            pytest.skip(f"npm install failed (registry out of reach?): {done.stderr[-300:]}")
        stamp.write_text(wanted)
    for script in scripts:
        shutil.copyfile(HERE / script, CACHE / script)
    return CACHE


@contextmanager
def node_service(
    script: Path, config: dict[str, Any], *, ca: Path, log: Path
) -> Iterator[dict[str, Any]]:
    """Run ``script`` with ``config`` as its first line of input; yield the JSON line it prints
    once it listens. Node trusts the test CA ``ca``; its errors go to ``log``. Closing its
    input ends it."""
    environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca)}
    with (
        log.open("w") as errors,
        subprocess.Popen(
            [str(shutil.which("node")), str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=environment,
            cwd=script.parent,
        ) as process,
    ):
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(config) + "\n")
            process.stdin.flush()
            first = process.stdout.readline()
            if not first:
                process.wait(timeout=30)
                pytest.fail(f"{script.name} did not start: {log.read_text()[-2000:]}")
            yield json.loads(first)
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
