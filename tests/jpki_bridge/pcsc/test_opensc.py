"""Done-when 2: OpenSC's own ``jpki`` driver recognises the emulator and signs with it.

An independent implementation of the card protocol (OpenSC's ``card-jpki.c``
and ``pkcs15-jpki.c``) drives the emulator through pcscd and vpcd; the
signatures it returns are verified by ``openssl``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.jpki_bridge.pcsc.stack import Emulator

pytestmark = pytest.mark.pcsc

_MODULES = (
    Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
    Path("/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so"),
    Path("/usr/lib/opensc-pkcs11.so"),
)


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, check=False, timeout=60
    )


def _module() -> Path:
    for candidate in _MODULES:
        if candidate.exists():
            return candidate
    pytest.skip("opensc-pkcs11 is not installed")


def test_opensc_names_the_card_jpki(emulator: Emulator) -> None:
    result = _run("opensc-tool", "-n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "jpki"
    # Other drivers probed first and got errors, never 9000 (see test_emulator).
    assert any(line != "jpki -" and line.endswith(" -") for line in emulator.accessed())


def test_pkcs15_view_shows_both_pins_with_tries_left(emulator: Emulator) -> None:
    result = _run("pkcs15-tool", "--dump")
    assert result.returncode == 0, result.stderr
    assert "User Authentication PIN" in result.stdout
    assert "Digital Signature PIN" in result.stdout
    assert "Tries left     : 3" in result.stdout
    assert "Tries left     : 5" in result.stdout


@pytest.mark.parametrize(
    "case",
    [("0", "01", "1234", "auth.pem"), ("1", "02", "ABC123", "sign.pem")],
    ids=["auth-key", "sign-key"],
)
def test_pkcs11_tool_signs_and_openssl_verifies(
    emulator: Emulator, tmp_path: Path, case: tuple[str, str, str, str]
) -> None:
    slot, key_id, pin, cert = case
    data = tmp_path / "data.txt"
    data.write_bytes("資格の証明 — signed by OpenSC through the emulator\n".encode())
    signature = tmp_path / "signature.bin"
    result = _run(
        "pkcs11-tool", "--module", _module(), "--slot", slot, "--login", "--pin", pin,
        "--sign", "--id", key_id, "--mechanism", "SHA256-RSA-PKCS",
        "--input-file", data, "--output-file", signature,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(signature.read_bytes()) == 256
    public_key = tmp_path / "public.pem"
    extracted = _run("openssl", "x509", "-in", emulator.pki_dir / cert, "-pubkey", "-noout")
    assert extracted.returncode == 0, extracted.stderr
    public_key.write_text(extracted.stdout)
    verified = _run(
        "openssl", "dgst", "-sha256", "-verify", public_key, "-signature", signature, data
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip() == "Verified OK"
    # A tampered message does not verify: openssl really checked the signature.
    data.write_bytes(b"tampered\n")
    tampered = _run(
        "openssl", "dgst", "-sha256", "-verify", public_key, "-signature", signature, data
    )
    assert tampered.returncode != 0
