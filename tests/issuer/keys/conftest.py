"""A SoftHSM2 token of the test's own: a temporary token directory and configuration.

SoftHSM2 reads ``SOFTHSM2_CONF`` once, when its module is first loaded into the process; every
token lives under the directory that file names. So the tests share one token made in a
temporary directory for the session, without touching the machine's own tokens. The keys are
generated on the token (they never exist outside it), as a board's HSM would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from pkcs11 import Attribute, KeyType
from pkcs11.util.ec import encode_named_curve_parameters

MODULE_PATHS = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
)
USER_PIN = "246810"
SO_PIN = "13579111"
TOKEN = "shikaku-board"


@dataclass(frozen=True)
class SoftHsm:
    module: Path
    token: str
    pin: str


def _module() -> Path | None:
    return next((path for path in MODULE_PATHS if path.is_file()), None)


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """A fresh SoftHSM2 token with an EC P-256 key ``board-p256`` and an Ed25519 key
    ``board-ed25519``; skips when SoftHSM2 is not installed."""
    module = _module()
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2; scripts/system-deps.sh)")
    home = tmp_path_factory.mktemp("softhsm")
    tokens = home / "tokens"
    tokens.mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN, "--pin", USER_PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
    )
    token = pkcs11.lib(str(module)).get_token(token_label=TOKEN)
    with token.open(user_pin=USER_PIN, rw=True) as session:
        for label, key_type, curve in (
            ("board-p256", KeyType.EC, "secp256r1"),
            ("board-ed25519", KeyType.EC_EDWARDS, "1.3.101.112"),
        ):
            params = session.create_domain_parameters(
                key_type, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True
            )
            params.generate_keypair(store=True, label=label)
    try:
        yield SoftHsm(module, TOKEN, USER_PIN)
    finally:
        if before is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = before
