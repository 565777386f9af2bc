"""``enrolment_desk``: which board enrols over HTTP, and which refuses to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from issuer.board import open_board
from issuer.enrolment import Enrolment, enrolment_desk
from issuer.settings import IssuerSettings
from jpki_bridge.pki import TestPki
from tests.issuer.enrolment.conftest import SECRET
from vc_core.errors import ConfigError
from vc_core.keys import generate_key


def _desk(tmp_path: Path, pki: TestPki, **values: Any) -> Enrolment | None:
    tmp_path.mkdir(exist_ok=True)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.auth_ca_cert.public_bytes(Encoding.PEM))
    key = tmp_path / "board.jwk"
    generate_key("p256").save(key)
    settings = IssuerSettings(
        data_dir=tmp_path / "board",
        signing_key=key,
        public_url="https://board.example.jp",
        **{"jpki_anchors": (roots,), **values},
    )
    board = open_board(settings)
    try:
        return enrolment_desk(board)
    finally:
        board.close()


def test_a_board_without_roots_enrols_nobody(tmp_path: Path, pki: TestPki) -> None:
    assert _desk(tmp_path, pki, jpki_anchors=(), environment="production") is None


def test_roots_and_a_secret_make_a_desk(tmp_path: Path, pki: TestPki) -> None:
    desk = _desk(tmp_path, pki, environment="development", enrolment_secret=SECRET)
    assert desk is not None and desk.audience == "https://board.example.jp"


def test_roots_without_a_secret(tmp_path: Path, pki: TestPki) -> None:
    assert _desk(tmp_path / "dev", pki, environment="development") is None
    with pytest.raises(ConfigError) as raised:
        _desk(tmp_path / "prod", pki, environment="production", jpki_revocation_required=False)
    assert "enrolment_secret" in raised.value.message
