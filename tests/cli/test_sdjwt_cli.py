"""``shikaku vc sign --format``, ``vc present`` and ``vc verify`` of the JOSE forms, as a user
would run them: a board signs, a holder presents with a wallet key or the card (the
in-process emulator here; through PC/SC in tests/holder/pcsc), an employer verifies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cli.samples import jp_sample_credential
from jpki_bridge.pki import TestPki
from tests.jpki_bridge.conftest import card_dir, pki  # noqa: F401

SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]
NONCE = "n-0f1e2d"
AUDIENCE = "https://clinic.example"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIKAKU, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "credential.json").write_text(
        json.dumps(jp_sample_credential(), ensure_ascii=False), encoding="utf-8"
    )
    for name in ("issuer", "holder"):
        made = run("keys", "generate", "--type", "p256", "--out", str(tmp_path / f"{name}.jwk"))
        assert made.returncode == 0, made.stderr
    return tmp_path


def _sign(workdir: Path, form: str, *extra: str) -> str:
    signed = run(
        "vc",
        "sign",
        "--format",
        form,
        "--key",
        str(workdir / "issuer.jwk"),
        *extra,
        str(workdir / "credential.json"),
    )
    assert signed.returncode == 0, signed.stderr
    token = signed.stdout.strip()
    (workdir / f"{form}.txt").write_text(token + "\n", encoding="utf-8")
    return token


def _verify(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run("vc", "verify", *extra, str(path))
    return result.returncode, json.loads(result.stdout)


def _failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c.get("code") for c in report["checks"] if c["ok"] is False}


def test_dc_sd_jwt_signed_presented_with_a_wallet_key_and_verified(workdir: Path) -> None:
    token = _sign(
        workdir,
        "dc+sd-jwt",
        "--holder-key",
        str(workdir / "holder.jwk"),
        "--status-uri",
        "https://status.example/1",
        "--status-idx",
        "42",
    )
    assert token.count("~") > 5 and token.endswith("~")
    presented = run(
        "vc",
        "present",
        "--disclose",
        "/licenseNumber",
        "--disclose",
        "/achievement/name",
        "--kb-key",
        str(workdir / "holder.jwk"),
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
    )
    assert presented.returncode == 0, presented.stderr
    (workdir / "presented.txt").write_text(presented.stdout, encoding="utf-8")
    code, report = _verify(workdir / "presented.txt", "--nonce", NONCE, "--aud", AUDIENCE)
    assert (code, report["verified"], report["format"]) == (0, True, "dc+sd-jwt"), report
    disclosed = report["disclosed"]
    assert disclosed["licenseNumber"] == "1234567"
    assert disclosed["achievement"]["name"] == "看護師"
    assert "familyName" not in disclosed and "dateOfBirth" not in disclosed
    assert disclosed["status"] == {"status_list": {"idx": 42, "uri": "https://status.example/1"}}
    code, report = _verify(workdir / "presented.txt", "--nonce", "other", "--aud", AUDIENCE)
    assert (code, _failed(report)) == (1, {"sd_jwt.key_binding": "kb.nonce_mismatch"})
    code, report = _verify(workdir / "presented.txt")
    assert code == 0
    assert next(c for c in report["checks"] if c["check"] == "sd_jwt.key_binding")["ok"] is None


def test_a_hidden_field_is_warned_about_when_presented(workdir: Path) -> None:
    _sign(workdir, "dc+sd-jwt", "--holder-key", str(workdir / "holder.jwk"))
    presented = run(
        "vc",
        "present",
        "--disclose",
        "/registeredDomicilePrefecture",
        "--kb-key",
        str(workdir / "holder.jwk"),
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
    )
    assert presented.returncode == 0, presented.stderr
    assert "warning: /registeredDomicilePrefecture" in presented.stderr


@pytest.mark.parametrize("form", ["vc+jwt", "vc+sd-jwt"])
def test_w3c_jose_forms_sign_and_verify(workdir: Path, form: str) -> None:
    _sign(workdir, form, "--holder-key", str(workdir / "holder.jwk"))
    code, report = _verify(workdir / f"{form}.txt")
    assert (code, report["verified"], report["format"]) == (0, True, form), report
    assert report["disclosed"]["credentialSubject"]["licenseNumber"] == "1234567"


def test_tampering_and_garbage_fail_with_their_exit_codes(workdir: Path) -> None:
    token = _sign(workdir, "vc+jwt")
    header, payload, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    (workdir / "forged.txt").write_text(f"{header}.{payload}.{flipped}", encoding="utf-8")
    code, report = _verify(workdir / "forged.txt")
    assert (code, _failed(report)) == (1, {"jose.signature": "jose.signature_invalid"})
    (workdir / "garbage.txt").write_text("not a credential", encoding="utf-8")
    code, report = _verify(workdir / "garbage.txt")
    assert (code, _failed(report)) == (2, {"format": "credential.malformed"})


def test_verify_jsonl_mixes_data_integrity_and_jose(workdir: Path) -> None:
    jose = _sign(workdir, "vc+jwt")
    signed = run(
        "vc",
        "sign",
        "--suite",
        "ecdsa-rdfc-2019",
        "--key",
        str(workdir / "issuer.jwk"),
        str(workdir / "credential.json"),
    )
    assert signed.returncode == 0, signed.stderr
    lines = [json.dumps(json.loads(signed.stdout), ensure_ascii=False), jose]
    result = run("vc", "verify", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stdout
    assert [r["verified"] for r in reports] == [True, True]
    assert reports[1]["format"] == "vc+jwt" and "format" not in reports[0]


def test_usage_errors(workdir: Path) -> None:
    neither = run("vc", "sign", "--key", str(workdir / "issuer.jwk"), "x.json")
    assert neither.returncode == 2 and "--suite" in neither.stderr
    both = run(
        "vc",
        "sign",
        "--suite",
        "ecdsa-rdfc-2019",
        "--format",
        "vc+jwt",
        "--key",
        str(workdir / "issuer.jwk"),
        str(workdir / "credential.json"),
    )
    assert both.returncode == 2
    no_key = run("vc", "present", "--nonce", "n", "--aud", "a", str(workdir / "credential.json"))
    assert no_key.returncode == 2 and "--kb-key" in no_key.stderr
    half = run("vc", "verify", "--nonce", "n", str(workdir / "credential.json"))
    assert half.returncode == 2


def _anchor(test_pki: TestPki, path: Path) -> Path:
    path.write_bytes(test_pki.auth_ca_cert.public_bytes(Encoding.PEM))
    return path


def test_card_bound_credential_presented_on_the_emulated_card(
    workdir: Path,
    card_dir: Path,  # noqa: F811
    pki: TestPki,  # noqa: F811
) -> None:
    _sign(workdir, "dc+sd-jwt", "--holder-card", "--emulator", str(card_dir))
    presented = run(
        "vc",
        "present",
        "--disclose",
        "/licenseNumber",
        "--card",
        "--emulator",
        str(card_dir),
        "--pin-stdin",
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
        stdin=f"{pki.auth_pin}\n",
    )
    assert presented.returncode == 0, presented.stderr
    assert pki.auth_pin not in presented.stdout + presented.stderr
    assert "3 of 3 tries left" in presented.stderr
    (workdir / "presented.txt").write_text(presented.stdout, encoding="utf-8")
    anchor = _anchor(pki, workdir / "auth-ca.pem")
    code, report = _verify(
        workdir / "presented.txt", "--nonce", NONCE, "--aud", AUDIENCE, "--jpki-anchor", str(anchor)
    )
    assert (code, report["verified"]) == (0, True), report
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["holder.certificate"]["ok"] is True
    assert checks["sd_jwt.issuer_signature"]["details"]["alg"] == "ES256"
    assert "x5t#S256" in report["disclosed"]["cnf"]
    wrong_pin = run(
        "vc",
        "present",
        "--card",
        "--emulator",
        str(card_dir),
        "--pin-stdin",
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
        stdin="9999\n",
    )
    assert wrong_pin.returncode == 2
    assert "card.pin_incorrect" in wrong_pin.stderr and "9999" not in wrong_pin.stderr
