"""``shikaku vc sign --format``, ``vc present`` and ``vc verify`` of the JOSE forms, as a user
would run them: a board signs, a holder presents with a wallet key or the card (the
in-process emulator here; through PC/SC in tests/holder/pcsc), an employer verifies — under
the employer policy, with the board in its trust registry and a nonce it issued itself.

The status lists these credentials point at are not served here, so these tests ask for every
check but ``status`` (``--checks``); tests/cli/test_verify_employer.py runs the whole policy.
"""

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
AUDIENCE = "https://clinic.example"
CREDENTIAL = "format,data_model,proof,issuer_binding,issuer_trust,validity,schema"
BUT_STATUS = (
    "format,data_model,proof,issuer_binding,issuer_trust,validity,schema,"
    "holder_binding,holder_certificate,nonce"
)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SHIKAKU, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    credential = jp_sample_credential()
    del credential["issuer"]  # The board's did:key becomes the issuer.
    (tmp_path / "credential.json").write_text(
        json.dumps(credential, ensure_ascii=False), encoding="utf-8"
    )
    for name in ("issuer", "holder"):
        made = run("keys", "generate", "--type", "p256", "--out", str(tmp_path / f"{name}.jwk"))
        assert made.returncode == 0, made.stderr
        (tmp_path / f"{name}.did").write_text(made.stdout.strip(), encoding="utf-8")
    board = (tmp_path / "issuer.did").read_text(encoding="utf-8")
    trusted = run(
        "trust", "add", board, "--name-ja", "厚生労働大臣", "--name-en", "MHLW",
        "--qualification", "kangoshi",
    )  # fmt: skip
    assert trusted.returncode == 0, trusted.stderr
    return tmp_path


def challenge() -> str:
    issued = run("vc", "challenge", "--aud", AUDIENCE)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


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


def _verify(path: Path, *extra: str, checks: str = BUT_STATUS) -> tuple[int, dict[str, Any]]:
    result = run("vc", "verify", "--json", "--checks", checks, *extra, str(path))
    return result.returncode, json.loads(result.stdout)


def _failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c.get("code") for c in report["checks"] if c["ok"] is False}


def _present(workdir: Path, nonce: str, *disclose: str) -> Path:
    chosen = [arg for pointer in disclose for arg in ("--disclose", pointer)]
    presented = run(
        "vc", "present", *chosen, "--kb-key", str(workdir / "holder.jwk"),
        "--nonce", nonce, "--aud", AUDIENCE, str(workdir / "dc+sd-jwt.txt"),
    )  # fmt: skip
    assert presented.returncode == 0, presented.stderr
    path = workdir / f"presented-{nonce[:8]}.txt"
    path.write_text(presented.stdout, encoding="utf-8")
    return path


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
    nonce = challenge()
    presented = _present(workdir, nonce, "/licenseNumber", "/achievement/name")
    code, report = _verify(presented, "--nonce", nonce, "--aud", AUDIENCE)
    assert (code, report["verified"], report["format"]) == (0, True, "dc+sd-jwt"), report
    assert report["issuer"]["name"]["ja"] == "厚生労働大臣"
    disclosed = report["credential"]
    assert disclosed["licenseNumber"] == "1234567"
    assert disclosed["achievement"]["name"] == "看護師"
    assert "familyName" not in disclosed and "dateOfBirth" not in disclosed
    assert disclosed["status"] == {"status_list": {"idx": 42, "uri": "https://status.example/1"}}
    # The same presentation again is a replay; the nonce was used up.
    code, report = _verify(presented)
    assert (code, _failed(report)) == (1, {"nonce": "nonce.reused"})
    # A verifier that expects another nonce refuses it before using anything up.
    code, report = _verify(_present(workdir, challenge()), "--nonce", "other", "--aud", AUDIENCE)
    assert (code, _failed(report)) == (1, {"holder_binding": "kb.nonce_mismatch"})
    # The credential alone, without the holder's proof, is refused.
    code, report = _verify(workdir / "dc+sd-jwt.txt")
    assert (code, _failed(report)) == (1, {"holder_binding": "holder.binding_missing"})


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
        "any-nonce",
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
    )
    assert presented.returncode == 0, presented.stderr
    assert "warning: /registeredDomicilePrefecture" in presented.stderr


@pytest.mark.parametrize("form", ["vc+jwt", "vc+sd-jwt"])
def test_w3c_jose_forms_sign_and_verify(workdir: Path, form: str) -> None:
    _sign(workdir, form, "--holder-key", str(workdir / "holder.jwk"))
    code, report = _verify(workdir / f"{form}.txt", checks=CREDENTIAL)
    assert (code, report["verified"], report["format"]) == (0, True, form), report
    assert report["credential"]["credentialSubject"]["licenseNumber"] == "1234567"
    code, report = _verify(workdir / f"{form}.txt")  # An employer wants the holder's proof.
    assert (code, _failed(report)) == (1, {"holder_binding": "holder.binding_missing"})


def test_tampering_and_garbage_fail_with_their_exit_codes(workdir: Path) -> None:
    token = _sign(workdir, "vc+jwt")
    header, payload, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    (workdir / "forged.txt").write_text(f"{header}.{payload}.{flipped}", encoding="utf-8")
    code, report = _verify(workdir / "forged.txt", checks=CREDENTIAL)
    assert (code, _failed(report)) == (1, {"proof": "jose.signature_invalid"})
    (workdir / "garbage.txt").write_text("not a credential", encoding="utf-8")
    code, report = _verify(workdir / "garbage.txt", checks=CREDENTIAL)
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
    result = run(
        "vc", "verify", "--checks", CREDENTIAL, "--jsonl", "-", stdin="\n".join(lines) + "\n"
    )
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stdout
    assert [r["verified"] for r in reports] == [True, True]
    assert [r["format"] for r in reports] == ["ldp_vc", "vc+jwt"]


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
    unknown = run("vc", "verify", "--checks", "proof,magic", str(workdir / "credential.json"))
    assert unknown.returncode == 2 and "request.invalid" in unknown.stderr


def _anchor(test_pki: TestPki, path: Path) -> Path:
    path.write_bytes(test_pki.auth_ca_cert.public_bytes(Encoding.PEM))
    return path


def test_card_bound_credential_presented_on_the_emulated_card(
    workdir: Path,
    card_dir: Path,  # noqa: F811
    pki: TestPki,  # noqa: F811
) -> None:
    _sign(workdir, "dc+sd-jwt", "--holder-card", "--emulator", str(card_dir))
    nonce = challenge()
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
        nonce,
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
    code, report = _verify(workdir / "presented.txt", "--jpki-anchor", str(anchor))
    assert (code, report["verified"]) == (0, True), report
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["holder_certificate"]["ok"] is True
    assert checks["proof"]["details"]["alg"] == "ES256"
    assert "x5t#S256" in report["credential"]["cnf"]
    wrong_pin = run(
        "vc",
        "present",
        "--card",
        "--emulator",
        str(card_dir),
        "--pin-stdin",
        "--nonce",
        "another-nonce",
        "--aud",
        AUDIENCE,
        str(workdir / "dc+sd-jwt.txt"),
        stdin="9999\n",
    )
    assert wrong_pin.returncode == 2
    assert "card.pin_incorrect" in wrong_pin.stderr and "9999" not in wrong_pin.stderr
