"""PKCS#11: the board's key on a SoftHSM2 token signs credentials a verifier accepts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from pydantic import SecretStr

from issuer.board import open_board
from issuer.keys import Pkcs11Signer, key_info, open_signer
from issuer.settings import IssuerSettings
from tests.issuer.keys.conftest import SoftHsm
from vc_core import di
from vc_core.clock import FixedClock
from vc_core.errors import ConfigError, KeyMaterialError, ProofError
from vc_core.keys import Signer, verify_signature
from vc_core.sdjwt.verify import verify_sd_jwt
from vc_schemas.catalogue import default_catalogue
from vc_schemas.registry import loader as schemas_loader
from vc_schemas.samples import sample_record

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RECORD = sample_record(default_catalogue().get("kangoshi"))


@pytest.mark.parametrize(
    ("label", "algorithm"), [("board-p256", "ES256"), ("board-ed25519", "EdDSA")]
)
def test_a_token_key_signs_messages_that_verify(
    softhsm: SoftHsm, label: str, algorithm: str
) -> None:
    with Pkcs11Signer(softhsm.module, softhsm.token, label, SecretStr(softhsm.pin)) as signer:
        assert isinstance(signer, Signer)
        assert signer.algorithm == algorithm
        message = b"the board's message, not its digest"
        signature = signer.sign(message)
        assert len(signature) == 64  # ES256 r || s, or an Ed25519 signature
        verify_signature(signer.public_key, signature, message)
        with pytest.raises(ProofError):
            verify_signature(signer.public_key, signature, message + b"!")
        info = key_info(signer)
        assert info.did_key.startswith("did:key:z")
        assert "d" not in info.public_jwk
        assert softhsm.pin not in repr(signer)


def test_a_wrong_pin_is_reported_once_and_never_retried(
    softhsm: SoftHsm, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "999999"
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyMaterialError) as raised:
        Pkcs11Signer(softhsm.module, softhsm.token, "board-p256", wrong)
    assert raised.value.code == "key.pkcs11_pin_incorrect"
    assert wrong not in str(raised.value) and wrong not in caplog.text
    # The token counted exactly one failure: shikaku did not try again on its own.
    token = pkcs11.lib(str(softhsm.module)).get_token(token_label=softhsm.token)
    assert pkcs11.TokenFlag.USER_PIN_COUNT_LOW in token.flags
    assert pkcs11.TokenFlag.USER_PIN_FINAL_TRY not in token.flags
    # The right PIN still opens it (and resets the count).
    Pkcs11Signer(softhsm.module, softhsm.token, "board-p256", softhsm.pin).close()
    token = pkcs11.lib(str(softhsm.module)).get_token(token_label=softhsm.token)
    assert pkcs11.TokenFlag.USER_PIN_COUNT_LOW not in token.flags


def test_an_unknown_token_or_key_is_unavailable(softhsm: SoftHsm) -> None:
    with pytest.raises(KeyMaterialError) as no_token:
        Pkcs11Signer(softhsm.module, "no-such-token", "board-p256", softhsm.pin)
    assert no_token.value.code == "key.pkcs11_unavailable"
    with pytest.raises(KeyMaterialError) as no_key:
        Pkcs11Signer(softhsm.module, softhsm.token, "no-such-key", softhsm.pin)
    assert no_key.value.code == "key.pkcs11_unavailable"


def test_pkcs11_settings_need_token_label_and_pin(softhsm: SoftHsm, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        open_signer(IssuerSettings(data_dir=tmp_path, pkcs11_module=softhsm.module))
    assert raised.value.code == "config.invalid"
    assert "pkcs11_pin" in str(raised.value)


def _settings(softhsm: SoftHsm, tmp_path: Path, label: str) -> IssuerSettings:
    return IssuerSettings(
        data_dir=tmp_path,
        pkcs11_module=softhsm.module,
        pkcs11_token=softhsm.token,
        pkcs11_key_label=label,
        pkcs11_pin=SecretStr(softhsm.pin),
    )


@pytest.mark.parametrize(
    ("label", "form"), [("board-p256", "ecdsa-rdfc-2019"), ("board-ed25519", "eddsa-rdfc-2022")]
)
def test_a_board_on_a_token_issues_data_integrity_credentials_that_verify(
    softhsm: SoftHsm, tmp_path: Path, label: str, form: str
) -> None:
    board = open_board(_settings(softhsm, tmp_path, label), clock=FixedClock(NOW))
    try:
        issued = board.issuer.issue_record(RECORD, form=form, profile=board.profile)
        credential: Any = issued.secured
        assert isinstance(credential, dict)
        [proof] = di.verify(credential, loader=schemas_loader(), now=lambda: NOW)
        assert proof.cryptosuite == form
        assert proof.verification_method.id.startswith(board.did)
        tampered = dict(credential, validFrom="2000-01-01T00:00:00Z")
        with pytest.raises(ProofError):
            di.verify(tampered, loader=schemas_loader(), now=lambda: NOW)
    finally:
        board.close()


def test_a_board_on_a_token_issues_an_sd_jwt_that_verifies(
    softhsm: SoftHsm, tmp_path: Path
) -> None:
    board = open_board(_settings(softhsm, tmp_path, "board-p256"), clock=FixedClock(NOW))
    try:
        issued = board.issuer.issue_record(RECORD, form="dc+sd-jwt", profile=board.profile)
        assert isinstance(issued.secured, str)
        result = verify_sd_jwt(issued.secured, typ={"dc+sd-jwt"}, now=NOW)
        assert result.verdict.verified, result.verdict
    finally:
        board.close()
