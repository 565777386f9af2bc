"""Done-when 2: concurrent processes never share an index, and a killed one loses nothing.

Real operating-system processes (``python -m tests.issuer._alloc_worker``) allocate against
one database at the same moment; the parent then reads the database and the workers'
reports of what they committed. See :mod:`issuer.status.registry` for why this holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.status import RegistryConfig, StatusRegistry
from issuer.status.models import EntryRow, ListRow
from service_kit.db import create_engine

pytestmark = pytest.mark.slow

_ROOT = Path(__file__).resolve().parents[2]
CONFIG = RegistryConfig(base_url="https://status.example.jp/c", purposes=("revocation",))


def _worker(url: str, prefix: str, count: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.issuer._alloc_worker", url, prefix, str(count), *extra],
        cwd=_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line == "ready\n", process.stderr.read() if process.stderr else line


def _database_state(url: str) -> list[tuple[int, int, str]]:
    """Every entry as (list, index, credential); checks each counter against its entries."""
    engine = create_engine(url)
    with engine.connect() as connection:
        entries = [
            (row.list_id, row.idx, row.credential_id)
            for row in connection.execute(
                select(EntryRow.list_id, EntryRow.idx, EntryRow.credential_id)
            )
        ]
        counters = dict(connection.execute(select(ListRow.id, ListRow.allocated)).all())
        counted = dict(
            connection.execute(
                select(EntryRow.list_id, func.count()).group_by(EntryRow.list_id)
            ).all()
        )
    engine.dispose()
    # Every counter value handed out belongs to exactly one committed entry.
    assert counters == {list_id: counted.get(list_id, 0) for list_id in counters}
    return entries


def _allocations(lines: list[str]) -> list[tuple[str, str, int]]:
    return [(p[1], p[2], int(p[3])) for p in (line.split() for line in lines) if p[0] == "A"]


def test_four_processes_allocate_5000_indexes_each_without_a_duplicate(
    postgres_url: str, tmp_path: Path
) -> None:
    StatusRegistry.open(postgres_url, CONFIG).close()
    go = tmp_path / "go"
    processes = [_worker(postgres_url, f"w{n}", 5000, "--go", str(go)) for n in range(4)]
    for process in processes:
        _wait_ready(process)
    go.touch()  # All four start allocating at the same moment.
    reported: list[tuple[str, str, int]] = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=900)
        assert process.returncode == 0, stderr
        reported += _allocations(stdout.splitlines())
    assert len(reported) == 20_000
    assert Counter((url, index) for _c, url, index in reported).most_common(1)[0][1] == 1
    entries = _database_state(postgres_url)
    assert len(entries) == 20_000
    assert len({(list_id, idx) for list_id, idx, _c in entries}) == 20_000
    assert {credential for _l, _i, credential in entries} == {c for c, _u, _i in reported}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_killed_process_loses_no_committed_change_and_no_index_is_reused(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url" if backend == "postgresql" else "sqlite_url")
    StatusRegistry.open(url, CONFIG).close()
    # Two workers run at once; one is killed with SIGKILL part-way through its work.
    victim = _worker(url, "victim", 100_000, "--revoke-every", "7")
    survivor = _worker(url, "survivor", 1500, "--revoke-every", "5")
    _wait_ready(victim)
    _wait_ready(survivor)
    assert victim.stdout is not None
    lines: list[str] = []
    while len(lines) < 800:
        line = victim.stdout.readline()
        assert line, victim.stderr.read() if victim.stderr else "the victim died early"
        lines.append(line.strip())
    os.kill(victim.pid, signal.SIGKILL)
    # Whatever the pipe still holds was reported, so committed, before the kill.
    rest, _err = victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    lines += rest.splitlines()
    survivor_out, survivor_err = survivor.communicate(timeout=900)
    assert survivor.returncode == 0, survivor_err
    lines += survivor_out.splitlines()

    entries = _database_state(url)
    in_database = {credential for _l, _i, credential in entries}
    committed = _allocations(lines)
    assert len(committed) > 800
    assert {credential for credential, _u, _i in committed} <= in_database
    registry = StatusRegistry.open(url, CONFIG)
    revoked = [line.split()[1] for line in lines if line.startswith("R ")]
    assert len(revoked) > 100
    assert all(registry.status(credential)["revocation"] == 1 for credential in revoked)
    registry.close()

    # Restart: a new process allocates more; no index already taken is handed out again.
    before = {(list_id, idx) for list_id, idx, _c in entries}
    restarted = _worker(url, "restart", 1000)
    _wait_ready(restarted)
    _out, err = restarted.communicate(timeout=900)
    assert restarted.returncode == 0, err
    entries_after = _database_state(url)
    fresh = {(lst, idx) for lst, idx, cred in entries_after if cred.startswith("urn:restart:")}
    assert len(fresh) == 1000
    assert not fresh & before
    assert len({(lst, idx) for lst, idx, _c in entries_after}) == len(entries_after)
