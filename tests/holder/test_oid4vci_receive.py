"""The wallet receives over OpenID4VCI 1.0 from the board's service, in-process.

The board (tests/issuer/oid4vci: a development board with one 看護師 register record) makes an
offer for a dc+sd-jwt and an ldp_vc with a transaction code; the wallet's flow
(:mod:`holder.flows.oid4vci`) runs the pre-authorized code flow over the app's TestClient,
under DPoP, makes a new key per credential, checks what came back and keeps it in its
encrypted store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from holder.flows.oid4vci import parse_offer, receive, well_known
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
    keys = [r.key for r in got if r.key is not None and r.holder_mode == "wallet"]
    assert len(keys) == 2
    thumbprints = {jwk_thumbprint(public_jwk(key.public_key)) for key in keys}
    assert len(thumbprints) == 2  # no two credentials share a key
    for item, key in zip(got, keys, strict=True):
        assert item.received.qualification == "kangoshi"
        assert item.received.signature.outcome == "verified"
        assert item.received.binding.thumbprint == jwk_thumbprint(public_jwk(key.public_key))
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


_ISSUER_METADATA = "/.well-known/openid-credential-issuer"
_SERVER_METADATA = "/.well-known/oauth-authorization-server"
Change = Callable[[dict[str, Any]], None]


class _Rewritten:
    """The board's real answers, one metadata document (by its path) changed on the way."""

    def __init__(self, board: Setup, path: str, change: Change) -> None:
        self.client, self.path, self.change = board.client, path, change
        self.post = board.client.post

    def get(self, url: str, **kwargs: Any) -> Any:
        answer = self.client.get(url, **kwargs)
        if not url.endswith(self.path):
            return answer
        metadata = answer.json()
        self.change(metadata)
        return httpx.Response(200, json=metadata)


def _elsewhere(member: str) -> Change:
    def change(metadata: dict[str, Any]) -> None:
        metadata[member] = "https://another-board.example.jp"

    return change


@pytest.mark.parametrize(
    ("path", "member"), [(_ISSUER_METADATA, "credential_issuer"), (_SERVER_METADATA, "issuer")]
)
def test_metadata_naming_another_issuer_or_server_is_refused(
    board: Setup, path: str, member: str
) -> None:
    """OpenID4VCI 1.0 §12.2.3 and RFC 8414 §3.3: the identifier in the metadata is the one
    the metadata was fetched for."""
    created = board.service.create_offer(SUBJECT, [SD_JWT])
    offer = parse_offer(created.by_value, board.client)
    rewritten = _Rewritten(board, path, _elsewhere(member))
    with pytest.raises(WalletError) as raised:
        receive(offer, rewritten, tx_code=created.tx_code, now=lambda: _now(board))
    assert raised.value.code == "wallet.offer_invalid"


def test_an_offer_naming_a_server_the_issuer_does_not_list_is_refused(board: Setup) -> None:
    """OpenID4VCI 1.0 §4.1.1: the offer's ``authorization_server`` is one of the issuer's."""
    created = board.service.create_offer(SUBJECT, [SD_JWT])
    offer = parse_offer(created.by_value, board.client)

    def listing(metadata: dict[str, Any]) -> None:
        metadata["authorization_servers"] = [metadata["credential_issuer"]]

    listed = _Rewritten(board, _ISSUER_METADATA, listing)
    elsewhere = replace(offer, authorization_server="https://attacker.example/as")
    with pytest.raises(WalletError) as raised:
        receive(elsewhere, listed, tx_code=created.tx_code)
    assert raised.value.code == "wallet.offer_invalid"
    # The server the issuer lists, named by the offer, is used.
    named = replace(offer, authorization_server=offer.credential_issuer)
    got = receive(named, listed, tx_code=created.tx_code, now=lambda: _now(board))
    assert len(got) == 1


def test_metadata_lives_between_the_host_and_the_path() -> None:
    """RFC 8414 §3.1 and OpenID4VCI 1.0 §12.2.2."""
    assert well_known("https://board.example.jp", "openid-credential-issuer") == (
        "https://board.example.jp/.well-known/openid-credential-issuer"
    )
    assert well_known("https://board.example.jp/tenant/a/", "oauth-authorization-server") == (
        "https://board.example.jp/.well-known/oauth-authorization-server/tenant/a"
    )


def test_a_token_asked_for_under_dpop_that_comes_back_a_bearer_token_is_refused(
    board: Setup,
) -> None:
    """RFC 9449 §5: a token asked for with a DPoP proof is bound to its key; a bearer token in
    its place (a downgrade) is not used."""
    created = board.service.create_offer(SUBJECT, [SD_JWT])
    offer = parse_offer(created.by_value, board.client)

    class Downgrading:
        def __init__(self) -> None:
            self.get = board.client.get

        def post(self, url: str, **kwargs: Any) -> Any:
            answer = board.client.post(url, **kwargs)
            if not url.endswith("/oid4vci/token") or answer.status_code != 200:
                return answer
            return httpx.Response(200, json={**answer.json(), "token_type": "Bearer"})

    with pytest.raises(WalletError) as raised:
        receive(offer, Downgrading(), tx_code=created.tx_code, now=lambda: _now(board))
    assert raised.value.code == "wallet.offer_refused" and "bearer" in raised.value.message
