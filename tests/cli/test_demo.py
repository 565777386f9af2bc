"""`make demo` runs `shikaku demo`: the newcomer's first command must keep working."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_tells_the_whole_story_and_exits_0(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from cli.app import main; main()", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "withheld (never sent)" in out and "registeredDomicilePrefecture" in out
    assert "kb.nonce_mismatch" in out  # The replayed card presentation is refused.
    assert "proof.invalid_signature" in out  # The forgery is refused.
    disclosed = json.loads((tmp_path / "disclosed.json").read_text(encoding="utf-8"))
    subject = disclosed["credentialSubject"]
    assert "licenseNumber" in subject
    assert not {"registeredSex", "registeredDomicilePrefecture", "dateOfBirth"} & set(subject)
    assert (tmp_path / "card-presentation.txt").read_text(encoding="utf-8").count("~") >= 2
