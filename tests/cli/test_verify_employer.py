"""Issue 9 through the command line: ``shikaku vc verify`` under the employer policy, by default.

A board signs a 看護師 credential with status entries and publishes its lists to a real HTTP
server on 127.0.0.1; the employer trusts the board for 看護師 (``shikaku trust add``) and
issues a nonce (``vc challenge``); the holder presents (``vc present``); the employer verifies.
Then the attacks: a replay, a forged issuer, an unknown issuer, a revoked licence, a bare
credential, a list nobody may fetch — each refused with its code and exit status.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.samples import jp_sample_credential
from tests.status.test_cli import served  # noqa: F401

SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]
AUDIENCE = "https://hospital.example.jp"
WHY = [
    "--reason",
    "医道審議会答申",
    "--legal-basis",
    "保健師助産師看護師法第14条",
    "--actor",
    "mhlw",
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIKAKU, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def ok(*args: str) -> str:
    done = run(*args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout.strip()


class Story:
    def __init__(self, tmp: Path, base: str, www: Path) -> None:
        self.tmp, self.base, self.www = tmp, base, www
        self.board = ok("keys", "generate", "--type", "p256", "--out", str(tmp / "board.jwk"))
        self.holder = ok("keys", "generate", "--type", "p256", "--out", str(tmp / "holder.jwk"))
        ok("trust", "add", self.board, "--name-ja", "厚生労働大臣", "--name-en", "MHLW",
           "--qualification", "kangoshi")  # fmt: skip
        self.serial = 0

    def registry(self, *args: str) -> str:
        return ok("status", *args, "--data-dir", str(self.tmp / "board"))

    def issue(self, *, signer: str = "board.jwk", status: bool = True) -> Path:
        self.serial += 1
        credential = jp_sample_credential(serial=self.serial, issuer=self.board)
        credential["credentialSubject"]["id"] = self.holder
        if status:
            allocated = self.registry(
                "allocate", credential["id"], "--issuer", self.board, "--base-url", self.base
            )
            credential["credentialStatus"] = json.loads(allocated)
        path = self.tmp / f"credential-{self.serial}.json"
        path.write_text(json.dumps(credential, ensure_ascii=False), encoding="utf-8")
        signed = ok("vc", "sign", "--suite", "ecdsa-rdfc-2019", "--key", str(self.tmp / signer),
                    str(path))  # fmt: skip
        path.write_text(signed, encoding="utf-8")
        return path

    def publish(self) -> None:
        ok("status", "publish", "--key", str(self.tmp / "board.jwk"), "--out", str(self.www),
           "--data-dir", str(self.tmp / "board"))  # fmt: skip

    def present(self, credential: Path) -> Path:
        nonce = ok("vc", "challenge", "--aud", AUDIENCE)
        presented = ok("vc", "present", "--kb-key", str(self.tmp / "holder.jwk"),
                       "--nonce", nonce, "--aud", AUDIENCE, str(credential))  # fmt: skip
        path = credential.with_suffix(f".vp-{nonce[:6]}.json")
        path.write_text(presented, encoding="utf-8")
        return path

    def verify(self, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
        done = run("vc", "verify", "--json", "--status-allow", self.base + "/", *extra, str(path))
        return done.returncode, json.loads(done.stdout)


@pytest.fixture
def story(tmp_path: Path, served: tuple[str, Path]) -> Story:  # noqa: F811
    base, www = served
    return Story(tmp_path, base, www)


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c.get("code") for c in report["checks"] if c["ok"] is False}


def test_a_presented_licence_is_valid_and_a_replay_is_refused(story: Story) -> None:
    credential = story.issue()
    story.publish()
    presentation = story.present(credential)
    code, report = story.verify(presentation)
    assert (code, failed(report)) == (0, {}), report
    assert report["issuer"]["name"]["ja"] == "厚生労働大臣"
    assert report["status"]["state"] == "valid"
    code, report = story.verify(presentation)
    assert (code, failed(report)) == (1, {"nonce": "nonce.reused"})


def test_the_verdict_reads_as_plain_japanese(story: Story) -> None:
    credential = story.issue()
    story.publish()
    done = run("vc", "verify", "--status-allow", story.base + "/", str(story.present(credential)))
    assert done.returncode == 0, done.stdout
    assert "有効" in done.stdout and "厚生労働大臣" in done.stdout and "看護師" in done.stdout


def test_a_revoked_licence_is_refused(story: Story) -> None:
    credential = story.issue()
    credential_id = json.loads(credential.read_text(encoding="utf-8"))["id"]
    story.registry("revoke", credential_id, *WHY)
    story.publish()
    code, report = story.verify(story.present(credential))
    assert (code, failed(report)) == (1, {"status": "status.revoked"})


def test_a_forged_issuer_and_an_unknown_issuer_are_refused(story: Story) -> None:
    ok("keys", "generate", "--type", "p256", "--out", str(story.tmp / "forger.jwk"))
    forged = story.issue(signer="forger.jwk")  # Names the board as issuer, signed by another key.
    story.publish()
    code, report = story.verify(story.present(forged))
    assert code == 1 and failed(report)["issuer_binding"] == "trust.key_mismatch"
    ok("trust", "remove", story.board)
    code, report = story.verify(story.present(story.issue()))
    assert code == 1 and failed(report)["issuer_trust"] == "trust.issuer_unknown"


def test_a_bare_credential_and_one_without_status_are_refused(story: Story) -> None:
    credential = story.issue()
    story.publish()
    code, report = story.verify(credential)
    assert (code, failed(report)) == (1, {"holder_binding": "holder.binding_missing"})
    code, report = story.verify(story.present(story.issue(status=False)))
    assert (code, failed(report)) == (1, {"status": "status.entry_missing"})


def test_a_list_nobody_may_fetch_cannot_verify_and_proof_only_still_answers(story: Story) -> None:
    credential = story.issue()
    story.publish()
    done = run("vc", "verify", "--json", str(story.present(credential)))  # No --status-allow.
    report = json.loads(done.stdout)
    assert (done.returncode, failed(report)) == (2, {"status": "status.url_not_allowed"})
    done = run("vc", "verify", "--json", "--checks", "proof", str(credential))
    assert done.returncode == 0, done.stdout
