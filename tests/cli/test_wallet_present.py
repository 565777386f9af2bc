"""``shikaku wallet present``: a nurse shows her 看護師 credential to a hospital's verifier over
real HTTP (uvicorn), after being told who asks and what leaves; saying no sends nothing. The
hospital runs in development, so the wallet is given its self-signed certificate as a verifier
root; without it, the wallet refuses the hospital (exit 11) and sends nothing."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.test_wallet_cli import Wallet, _wait_for, ready, wallet
from tests.verifier.hospital import development_certificate
from tests.verifier.hospital import hospital as serve_hospital
from tests.verifier.world import World

__all__ = ["ready", "wallet"]


@pytest.fixture
def hospital(tmp_path: Path, free_tcp_port: int) -> Iterator[tuple[World, str]]:
    with serve_hospital(tmp_path, free_tcp_port) as served:
        yield served


def _request(served: str) -> tuple[str, dict[str, str]]:
    created = httpx.post(served + "/oid4vp/transactions", json={"qualification": "kangoshi"})
    assert created.status_code == 201, created.text
    body = created.json()
    return body["authorization_request"], {"id": body["id"], "secret": body["secret"]}


def _roots(tmp_path: Path) -> tuple[str, str]:
    return ("--verifier-roots", str(development_certificate(tmp_path)))


def _status(served: str, transaction: dict[str, str]) -> str:
    state = httpx.get(
        f"{served}/oid4vp/transactions/{transaction['id']}",
        headers={"Authorization": f"Bearer {transaction['secret']}"},
    ).json()
    status: str = state["status"]
    return status


def _keep(ready: Wallet, world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    cred = ready.file("cred.sdjwt", sd_jwt)
    key = ready.file("wallet.jwk", "")
    key.unlink()
    world.holder.save(key)
    assert ready("wallet", "add", str(cred), "--key", str(key), *ready.passphrase).code == 0


def test_a_nurse_shows_her_licence_after_agreeing(
    ready: Wallet, hospital: tuple[World, str], tmp_path: Path
) -> None:
    world, served = hospital
    _keep(ready, world)
    link, transaction = _request(served)
    declined = ready("wallet", "present", link, *_roots(tmp_path), *ready.passphrase, input="n\n")
    assert declined.code == 1 and "確認を求めている相手" in declined.text
    state = httpx.get(
        f"{served}/oid4vp/transactions/{transaction['id']}",
        headers={"Authorization": f"Bearer {transaction['secret']}"},
    ).json()
    assert state["status"] == "pending"  # saying no sent nothing
    shown = ready(
        "wallet", "present", link, "--yes", *_roots(tmp_path), *ready.passphrase, "--lang", "en"
    )
    assert shown.code == 0, shown.text
    assert "licenseNumber" in shown.text and "Shown." in shown.text
    state = httpx.get(
        f"{served}/oid4vp/transactions/{transaction['id']}",
        headers={"Authorization": f"Bearer {transaction['secret']}"},
    ).json()
    assert state["status"] == "done" and state["verdict"]["verified"] is True


def test_a_request_no_credential_answers_ends_with_its_own_code(
    ready: Wallet, hospital: tuple[World, str], tmp_path: Path
) -> None:
    _world, served = hospital
    link, _ = _request(served)
    run = ready("wallet", "present", link, "--yes", *_roots(tmp_path), *ready.passphrase)
    assert run.code == 12 and "wallet.no_match" in run.text


def test_a_verifier_the_wallet_has_no_root_for_is_refused_and_nothing_is_sent(
    ready: Wallet, hospital: tuple[World, str], tmp_path: Path
) -> None:
    """The hospital's certificate is self-signed: with only the web PKI's roots, the wallet
    names the host it would answer, says how to add a root, and ends with exit code 11."""
    world, served = hospital
    _keep(ready, world)
    link, transaction = _request(served)
    run = ready("wallet", "present", link, "--yes", *ready.passphrase, "--lang", "en")
    assert run.code == 11, run.text
    assert "wallet.verifier_untrusted" in run.text and "127.0.0.1" in run.text
    assert "--verifier-roots" in run.text and "SHIKAKU_WALLET_VERIFIER_ROOTS" in run.text
    assert "Asked by" not in run.text  # the certificate's name is not shown
    assert _status(served, transaction) == "pending"


def test_verifier_roots_may_come_from_the_environment(
    ready: Wallet, hospital: tuple[World, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, served = hospital
    _keep(ready, world)
    link, transaction = _request(served)
    missing = tmp_path / "no-such-roots.pem"
    monkeypatch.setenv(
        "SHIKAKU_WALLET_VERIFIER_ROOTS",
        os.pathsep.join([str(development_certificate(tmp_path)), str(missing)]),
    )
    unreadable = ready("wallet", "present", link, "--yes", *ready.passphrase)
    assert unreadable.code == 2 and "input.unreadable" in unreadable.text
    monkeypatch.setenv("SHIKAKU_WALLET_VERIFIER_ROOTS", str(development_certificate(tmp_path)))
    run = ready("wallet", "present", link, "--yes", *ready.passphrase)
    assert run.code == 0, run.text
    assert _status(served, transaction) == "done"


@pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (scripts/system-deps.sh)"
)
def test_the_consent_in_a_real_terminal_shows_who_and_what(
    ready: Wallet, hospital: tuple[World, str], tmp_path: Path
) -> None:
    """Issue 13, Done 3: in a terminal the holder sees who asks and each claim that would
    leave, answers y, and exactly that is sent."""
    world, served = hospital
    _keep(ready, world)
    link, transaction = _request(served)
    socket = f"shikaku-test-{uuid.uuid4().hex[:8]}"
    shikaku = Path(sys.executable).parent / "shikaku"
    passphrase = ready.passphrase[1]
    command = (
        f"SHIKAKU_WALLET={shlex.quote(str(ready.path))} COLUMNS=100 {shlex.quote(str(shikaku))} "
        f"wallet present {shlex.quote(link)} --passphrase-file {shlex.quote(passphrase)} "
        f"--verifier-roots {shlex.quote(str(development_certificate(tmp_path)))}; "
        "echo EXIT=$?; sleep 120"
    )
    subprocess.run(
        [
            *("tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "wallet"),
            *("-x", "120", "-y", "40", command),
        ],
        check=True,
    )
    try:
        shown = _wait_for(socket, lambda s: "提示しますか" in s, "the consent prompt")
        subprocess.run(
            ["tmux", "-L", socket, "send-keys", "-t", "wallet", "y", "Enter"], check=True
        )
        screen = _wait_for(socket, lambda s: "EXIT=" in s, "the command ending")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
    assert "確認を求めている相手" in shown and "licenseNumber" in shown and "familyName" in shown
    assert "dateOfBirth" not in shown
    assert "EXIT=0" in screen and "提示しました" in screen, screen
    state = httpx.get(
        f"{served}/oid4vp/transactions/{transaction['id']}",
        headers={"Authorization": f"Bearer {transaction['secret']}"},
    ).json()
    assert state["verdict"]["verified"] is True
    # What was asked, and what the credential always shows (the licence and its date).
    assert set(state["verdict"]["subject"]) <= {
        "licenseNumber",
        "familyName",
        "givenName",
        "familyNameKana",
        "givenNameKana",
        "completedTraining",
        "id",
        "type",
        "achievement",
        "awardedDate",
    }
