"""Across processes on one PostgreSQL board: a code is redeemed once, wrong guesses are capped.

Real operating-system processes (``python -m tests.issuer.oid4vci._redeem_worker``) send
their token requests at the same moment; :mod:`issuer.oid4vci.grants` says why this holds
(the grant row is locked, the failure count committed in the same transaction).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pydantic import SecretStr

from issuer.settings import IssuerSettings
from tests.issuer.oid4vci.conftest import ISSUER, offer_of_record

pytestmark = pytest.mark.slow

_ROOT = Path(__file__).resolve().parents[3]
WORKERS = 4


def _race(tmp_path: Path, url: str, code: str, tx_codes: list[str]) -> Counter[str]:
    """Every worker sends ``tx_codes`` at once; the answers, counted by their first words."""
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.issuer.oid4vci._redeem_worker"]
    workers = [
        subprocess.Popen(
            [*command, str(tmp_path), url, ISSUER, code, str(go), *tx_codes],
            cwd=_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        assert line == "ready\n", worker.stderr.read() if worker.stderr else line
    go.touch()
    answers: Counter[str] = Counter()
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        answers.update(" ".join(line.split()[:3]) for line in out.splitlines())
    return answers


def _offer(tmp_path: Path, url: str) -> tuple[str, str]:
    settings = IssuerSettings(
        data_dir=tmp_path,
        environment="development",
        public_url=ISSUER,
        database_url=SecretStr(url),
    )
    created = offer_of_record(settings)
    assert created.tx_code is not None
    return created.pre_authorized_code, created.tx_code


def test_one_process_redeems_a_code_the_others_are_refused(
    tmp_path: Path, postgres_url: str
) -> None:
    code, tx_code = _offer(tmp_path, postgres_url)
    answers = _race(tmp_path, postgres_url, code, [tx_code])
    assert answers == Counter({"ok": 1, "invalid_grant the pre-authorized": WORKERS - 1})


def test_wrong_transaction_codes_are_capped_across_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    code, tx_code = _offer(tmp_path, postgres_url)
    wrong = str((int(tx_code) + 1) % 10**6).zfill(6)
    answers = _race(tmp_path, postgres_url, code, [wrong] * 3)
    limit = IssuerSettings().oid4vci_tx_code_attempts
    assert answers == Counter(
        {
            "invalid_grant the transaction": limit,
            "invalid_grant too many": 3 * WORKERS - limit,
        }
    )
