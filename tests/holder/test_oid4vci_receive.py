"""The wallet receives over OpenID4VCI 1.0 from the board's service, in-process.

The board (tests/issuer/oid4vci: a development board with one 看護師 register record) makes an
offer for a dc+sd-jwt and an ldp_vc with a transaction code; the wallet's flow
(:mod:`holder.flows.oid4vci`) runs the pre-authorized code flow over the app's TestClient,
under DPoP, makes a new key per credential, checks what came back and keeps it in its
encrypted store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from holder.flows.oid4vci import parse_offer, receive
from holder.store import KdfParams, WalletStore
from tests.issuer.oid4vci.conftest import LDP, SD_JWT, SUBJECT, Setup, build
from vc_core.errors import WalletError
from vc_core.keys import jwk_thumbprint, public_jwk


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Setup]:
    built = build(tmp_path / "board")
    yield built
    built.client.close()
    built.board.close()


def _now(board: Setup) -> float:
    return board.clock().timestamp()


@pytest.mark.parametrize("by", ["value", "reference"])
def test_the_wallet_receives_both_forms_each_on_its_own_key(
    board: Setup, tmp_path: Path, by: str
) -> None:
    created = board.service.create_offer(SUBJECT, [SD_JWT, LDP])
    link = created.by_value if by == "value" else created.by_reference
    offer = parse_offer(link, board.client)
    assert offer.configuration_ids == (SD_JWT, LDP) and offer.tx_code is not None
    got = receive(offer, board.client, tx_code=created.tx_code, now=lambda: _now(board))
    assert [r.configuration_id for r in got] == [SD_JWT, LDP]
    assert [r.received.format for r in got] == ["dc+sd-jwt", "ldp_vc"]
    thumbprints = {jwk_thumbprint(public_jwk(r.key.public_key)) for r in got}
    assert len(thumbprints) == 2  # no two credentials share a key
    for item in got:
        assert item.received.qualification == "kangoshi"
        assert item.received.signature.outcome == "verified"
        assert item.received.binding.thumbprint == jwk_thumbprint(public_jwk(item.key.public_key))
    store = WalletStore.init(
        tmp_path / "wallet.json",
        "a long passphrase",
        params=KdfParams(iterations=1, lanes=1, memory=1024),
    )
    for item in got:
        store.add(
            item.received.body,
            format=str(item.received.format),
            qualification=item.received.qualification,
            issuer=item.received.issuer,
            holder_mode="wallet",
            key=item.key,
        )
    assert len(store.credentials()) == 2


def test_a_wrong_or_missing_transaction_code_is_refused_and_nothing_is_received(
    board: Setup,
) -> None:
    created = board.service.create_offer(SUBJECT, [SD_JWT])
    offer = parse_offer(created.by_value, board.client)
    with pytest.raises(WalletError) as raised:
        receive(offer, board.client, tx_code=None, now=lambda: _now(board))
    assert raised.value.code == "wallet.offer_invalid"
    with pytest.raises(WalletError) as raised:
        receive(offer, board.client, tx_code="000000", now=lambda: _now(board))
    assert raised.value.code == "wallet.offer_refused" and "invalid_grant" in raised.value.message


def test_an_offer_is_redeemed_once(board: Setup) -> None:
    created = board.service.create_offer(SUBJECT, [SD_JWT])
    offer = parse_offer(created.by_value, board.client)
    receive(offer, board.client, tx_code=created.tx_code, now=lambda: _now(board))
    with pytest.raises(WalletError) as raised:
        receive(offer, board.client, tx_code=created.tx_code, now=lambda: _now(board))
    assert raised.value.code == "wallet.offer_refused"


@pytest.mark.parametrize(
    "text",
    [
        "https://example.org/not-an-offer",
        "openid-credential-offer://?credential_offer=%7Bnot%20json",
        'openid-credential-offer://?credential_offer={"credential_issuer":"x"}',
        "mailto:nurse@example.jp",
    ],
)
def test_what_is_not_an_offer_is_said_so(board: Setup, text: str) -> None:
    with pytest.raises(WalletError) as raised:
        parse_offer(text, board.client)
    assert raised.value.code == "wallet.offer_invalid"
