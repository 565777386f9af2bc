"""Metadata and offers: what a wallet reads first, and what the board's admin may offer."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.board import open_board
from issuer.oid4vci import EnrolledKeys, Oid4vciIssuer, ProofKeyTypes
from issuer.oid4vci.jwt_proofs import check_key_proof
from issuer.settings import IssuerSettings
from issuer.store import BoardEvent
from tests.issuer.oid4vci.conftest import ISSUER, LDP, NOW, SD_JWT, SUBJECT, Setup
from tests.issuer.oid4vci.wallet import Wallet, new_key
from vc_core.errors import BoardError, OAuthError, RequestError


def test_the_issuer_metadata_is_openid4vci_1_0(setup: Setup) -> None:
    metadata = setup.client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == ISSUER
    assert metadata["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    assert metadata["notification_endpoint"] == f"{ISSUER}/oid4vci/notification"
    assert {d["locale"] for d in metadata["display"]} == {"ja", "en"}
    configurations = metadata["credential_configurations_supported"]
    assert len(configurations) == 2 * len(setup.service.catalogue)
    for configuration in configurations.values():
        assert {d["locale"] for d in configuration["credential_metadata"]["display"]} == {
            "ja",
            "en",
        }
        assert configuration["credential_metadata"]["claims"]
        algs = configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        assert algs == ["ES256", "RS256"]
        assert "jwk" in configuration["cryptographic_binding_methods_supported"]
    sd_jwt = configurations[SD_JWT]
    assert sd_jwt["vct"] == "https://w3id.org/shikaku/jp-nq/vct/kangoshi"
    assert ["licenseNumber"] in [c["path"] for c in sd_jwt["credential_metadata"]["claims"]]
    ldp = configurations[LDP]
    assert ldp["credential_signing_alg_values_supported"] == ["ecdsa-sd-2023"]
    assert "OpenBadgeCredential" in ldp["credential_definition"]["type"]
    server = setup.client.get("/.well-known/oauth-authorization-server").json()
    assert server["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert server["dpop_signing_alg_values_supported"] == ["ES256"]
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    assert setup.client.get("/.well-known/oauth-authorization-server/other").status_code == 404


def test_offers_need_an_issuable_subject_and_its_own_configurations(setup: Setup) -> None:
    with pytest.raises(BoardError) as unknown:
        setup.service.create_offer("kangoshi:7654321", [SD_JWT])
    assert unknown.value.code == "board.record_unknown"
    for configurations in ([], ["ishi_dc_sd_jwt"], ["kangoshi_jwt_vc"]):
        with pytest.raises(RequestError):
            setup.service.create_offer(SUBJECT, configurations)
    setup.board.store.set_standing(
        SUBJECT, "deceased", BoardEvent("record.deceased", "board", subject_id=SUBJECT)
    )
    with pytest.raises(BoardError) as refused:
        setup.service.create_offer(SUBJECT, [SD_JWT])
    assert refused.value.code == "board.not_issuable"


def test_an_offer_shows_its_secrets_only_where_they_belong(setup: Setup) -> None:
    created = setup.service.create_offer(SUBJECT, [SD_JWT, LDP], actor="clerk-7")
    assert created.tx_code is not None and created.tx_code.isdigit()
    assert created.pre_authorized_code not in repr(created)
    assert created.tx_code not in created.by_value
    assert created.by_reference.startswith("openid-credential-offer://?credential_offer_uri=")
    assert Wallet(setup.client).resolve(created.by_value) == created.offer
    logged = [e for e in setup.board.store.iter_events() if e.action == "oid4vci.offer_created"]
    assert logged[-1].actor == "clerk-7"
    assert created.pre_authorized_code not in str(logged[-1].details)


def test_outside_development_only_enrolled_keys_are_accepted_by_default(tmp_path: Path) -> None:
    settings_ = IssuerSettings(data_dir=tmp_path, environment="development")
    board = open_board(settings_)
    try:
        production = board.settings.model_copy(update={"environment": "production"})
        board.settings = production
        assert isinstance(Oid4vciIssuer(board).key_proofs, EnrolledKeys)
        board.settings = settings_
        assert isinstance(Oid4vciIssuer(board).key_proofs, ProofKeyTypes)
    finally:
        board.close()


_KEY = new_key()
_PROOF = Wallet(None, now=NOW.timestamp()).key_proof(_KEY, audience=ISSUER, nonce="n")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(_PROOF) - 1), st.sampled_from("AQgw_-"))
def test_a_key_proof_changed_anywhere_is_refused(position: int, replacement: str) -> None:
    assert check_key_proof(_PROOF, audience=ISSUER, now=NOW, algorithms=("ES256",)).nonce == "n"
    if _PROOF[position] in (replacement, "."):
        return
    tampered = _PROOF[:position] + replacement + _PROOF[position + 1 :]
    if _bytes(tampered) == _bytes(_PROOF):  # The last character's spare bits: the same bytes.
        return
    with pytest.raises(OAuthError) as refused:
        check_key_proof(tampered, audience=ISSUER, now=NOW, algorithms=("ES256",))
    assert refused.value.code in {"oauth.invalid_proof", "oauth.invalid_nonce"}


def _bytes(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]
