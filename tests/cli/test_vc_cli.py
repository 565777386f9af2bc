"""The ``shikaku keys`` and ``shikaku vc`` commands, driven as a user would."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli.samples import jp_sample_credential

SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIKAKU, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    credential = jp_sample_credential()
    del credential["issuer"]  # The CLI then issues as the signing key's did:key.
    (tmp_path / "credential.json").write_text(
        json.dumps(credential, ensure_ascii=False), encoding="utf-8"
    )
    return tmp_path


def test_keys_generate_writes_a_private_file_and_prints_did_key(workdir: Path) -> None:
    result = run("keys", "generate", "--type", "p256", "--out", str(workdir / "k.jwk"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("did:key:zDn")
    assert stat.S_IMODE((workdir / "k.jwk").stat().st_mode) == 0o600
    again = run("keys", "generate", "--type", "p256", "--out", str(workdir / "k.jwk"))
    assert again.returncode == 2 and "never overwrites" in again.stderr


@pytest.mark.parametrize(
    ("kind", "suite"), [("p256", "ecdsa-rdfc-2019"), ("ed25519", "eddsa-rdfc-2022")]
)
def test_sign_then_verify_then_tamper(workdir: Path, kind: str, suite: str) -> None:
    key = workdir / "k.jwk"
    did = run("keys", "generate", "--type", kind, "--out", str(key)).stdout.strip()
    signed = run(
        "vc", "sign", "--suite", suite, "--key", str(key), str(workdir / "credential.json")
    )
    assert signed.returncode == 0, signed.stderr
    document = json.loads(signed.stdout)
    # The issuer defaults to the signing key's did:key, as an Open Badges Profile here.
    assert document["issuer"]["id"] == did
    (workdir / "signed.json").write_text(signed.stdout, encoding="utf-8")
    # The issuer's proof alone (the conformance view); the employer's view is in
    # tests/cli/test_verify_employer.py.
    verdict = run("vc", "verify", "--checks", "proof", "--json", str(workdir / "signed.json"))
    assert verdict.returncode == 0, verdict.stdout
    assert json.loads(verdict.stdout)["verified"] is True
    document["credentialSubject"]["licenseNumber"] = "0000000"
    forged = run("vc", "verify", "--checks", "proof", "--json", "-", stdin=json.dumps(document))
    assert forged.returncode == 1
    checks = {c["check"]: c for c in json.loads(forged.stdout)["checks"]}
    assert checks["proof"]["code"] == "proof.invalid_signature"


def test_verify_malformed_input_and_refused_context_exit_2(workdir: Path) -> None:
    assert run("vc", "verify", "-", stdin="{not json").returncode == 2
    credential = jp_sample_credential(issuer="did:example:x")
    credential["@context"].append("https://evil.example/context")
    multikey = "zDnaeXFMdBU1obyTybFvpBAycAPZsB8ZLtjnHKr4sACfBLeS5"
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "verificationMethod": f"did:key:{multikey}#{multikey}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z1111",
    }
    result = run("vc", "verify", "--json", "-", stdin=json.dumps(credential))
    assert result.returncode == 2
    assert "loader.url_not_allowed" in result.stdout


def test_jsonl_signs_a_register_in_one_process(workdir: Path) -> None:
    key = workdir / "k.jwk"
    run("keys", "generate", "--type", "p256", "--out", str(key))
    lines = [
        json.dumps(jp_sample_credential(serial=i, license_number=str(100 + i)), ensure_ascii=False)
        for i in range(20)
    ]
    lines.insert(5, "{broken")
    signed = run(
        "vc",
        "sign",
        "--jsonl",
        "--suite",
        "ecdsa-rdfc-2019",
        "--key",
        str(key),
        "-",
        stdin="\n".join(lines) + "\n",
    )
    assert signed.returncode == 2  # One line was broken; every other line was still signed.
    out = [json.loads(line) for line in signed.stdout.splitlines()]
    assert len(out) == 21 and out[5] == {"line": 6, "error": out[5]["error"]}
    assert out[5]["error"]["code"] == "input.json_invalid"
    assert "error: line 6: input.json_invalid" in signed.stderr
    assert "signed 20 of 21 line(s); 1 refused" in signed.stderr
    good = "\n".join(json.dumps(d) for d in out if "proof" in d) + "\n"
    verdicts = run("vc", "verify", "--checks", "proof", "--jsonl", "-", stdin=good)
    assert verdicts.returncode == 0
    assert [json.loads(v)["verified"] for v in verdicts.stdout.splitlines()] == [True] * 20


def test_canon_accepts_json_ld_and_n_quads(workdir: Path) -> None:
    from_json = run("vc", "canon", str(workdir / "credential.json"))
    assert from_json.returncode == 0 and from_json.stdout.endswith(" .\n")
    shuffled = "".join(reversed(from_json.stdout.splitlines(keepends=True)))
    relabelled = shuffled.replace("_:c14n", "_:x")
    from_nquads = run("vc", "canon", "-", stdin=relabelled)
    assert from_nquads.stdout == from_json.stdout


def test_undefined_term_is_refused_with_pointer_on_the_command_line(workdir: Path) -> None:
    key = workdir / "k.jwk"
    run("keys", "generate", "--type", "p256", "--out", str(key))
    credential = jp_sample_credential()
    credential["credentialSubject"]["honseki"] = "東京都"
    result = run(
        "vc",
        "sign",
        "--suite",
        "ecdsa-rdfc-2019",
        "--key",
        str(key),
        "-",
        stdin=json.dumps(credential, ensure_ascii=False),
    )
    assert result.returncode == 2
    assert "jsonld.undefined_term" in result.stderr
    assert "/credentialSubject/honseki" in result.stderr
