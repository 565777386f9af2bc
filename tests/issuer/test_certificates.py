"""The board's x5c: the leaf the board makes names its host and DID, and the verifier's x5c
check (:mod:`verifier.issuer_keys`) accepts it with the board's CA as the trusted root."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from issuer.board import open_board
from issuer.settings import IssuerSettings
from tests.issuer.test_board import RECORD
from vc_core.clock import FixedClock
from vc_core.errors import ConfigError
from vc_core.jose.jws import parse_jws
from vc_core.keys import generate_key, public_jwk
from vc_core.sdjwt.serialization import parse_sd_jwt
from verifier.issuer_keys import IssuerKeys
from verifier.trust import TrustedIssuer, TrustRegistry

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def settings(tmp_path: Path, **values: Any) -> IssuerSettings:
    return IssuerSettings.load(
        data_dir=tmp_path,
        environment="development",
        public_url="https://kangoshi.board.example.jp",
        sd_jwt_x5c=True,
        **values,
    )


def test_a_dc_sd_jwt_carries_an_x5c_the_verifier_accepts(tmp_path: Path) -> None:
    board = open_board(settings(tmp_path), clock=FixedClock(NOW))
    try:
        issued = board.issuer.issue_record(RECORD, form="dc+sd-jwt", profile=board.profile)
        did, key = board.did, board.issuer.signer.public_key
    finally:
        board.close()
    assert isinstance(issued.secured, str)
    jws = parse_jws(parse_sd_jwt(issued.secured).jwt)
    leaf = x509.load_der_x509_certificate(base64.b64decode(jws.header["x5c"][0]))
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["kangoshi.board.example.jp"]
    assert names.get_values_for_type(x509.UniformResourceIdentifier) == [did]
    root = x509.load_pem_x509_certificate((tmp_path / "issuer-ca.pem").read_bytes())
    trusted = TrustedIssuer(
        did,
        "厚生労働大臣",
        "MHLW",
        frozenset({"kangoshi"}),
        x509_roots=(root.public_bytes(Encoding.DER),),
    )
    resolved = IssuerKeys(TrustRegistry([trusted]), clock=FixedClock(NOW)).jose_key(jws)
    assert public_jwk(resolved.key) == public_jwk(key)


def test_the_leaf_is_kept_until_the_key_changes(tmp_path: Path) -> None:
    board = open_board(settings(tmp_path), clock=FixedClock(NOW))
    first = board.issuer.x5c
    board.close()
    again = open_board(settings(tmp_path), clock=FixedClock(NOW + timedelta(days=1)))
    assert again.issuer.x5c == first
    again.close()
    key = tmp_path / "other.jwk"
    generate_key("p256").save(key)
    rotated = open_board(settings(tmp_path, signing_key=key), clock=FixedClock(NOW))
    assert rotated.issuer.x5c != first
    rotated.close()


def test_a_configured_chain_must_certify_the_signing_key(tmp_path: Path) -> None:
    board = open_board(settings(tmp_path / "a"), clock=FixedClock(NOW))
    board.close()
    chain = tmp_path / "chain.pem"
    chain.write_bytes((tmp_path / "a" / "issuer-certificate.pem").read_bytes())
    key = tmp_path / "other.jwk"
    generate_key("p256").save(key)
    with pytest.raises(ConfigError):
        open_board(settings(tmp_path / "b", signing_key=key, certificate_chain=chain))
