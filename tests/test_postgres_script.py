"""``scripts/postgres.sh``: a database that answers is used as it is; only its URL is printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.issuer.pg import postgres_server

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres.sh"


def test_a_database_that_answers_is_printed_unchanged(tmp_path: Path) -> None:
    server, reason = postgres_server()
    if server is None:
        pytest.skip(reason)
    done = subprocess.run(
        [str(_SCRIPT), server],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        # A state file of the test's own: the machine's is neither read nor written.
        env={
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "SHIKAKU_POSTGRES_STATE": str(tmp_path / "s"),
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == server + "\n"
    assert not (tmp_path / "s").exists()
