"""``shikaku wallet receive``: a nurse receives her 看護師 credentials from the board's service
over real HTTP (uvicorn on a loopback port), the transaction code from a file, and keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from issuer.board import Board
from issuer.http import IssuerSettings, create_app
from issuer.oid4vci.service import Oid4vciIssuer
from issuer.store import subject_of
from tests.cli.test_wallet_cli import PASS, Run, Wallet, ready, wallet
from tests.serving import serving
from vc_schemas.record import RegisterRecord
from verifier.trust import TrustedIssuer, TrustRegistry

__all__ = ["ready", "wallet"]

RECORD = RegisterRecord(
    qualification_id="kangoshi",
    license_number="2345678",
    registration_date=date(2018, 4, 1),
    family_name="佐藤",
    given_name="美咲",
    family_name_kana="サトウ",
    given_name_kana="ミサキ",
    date_of_birth=date(1994, 6, 7),
)


@pytest.fixture
def served(tmp_path: Path, free_tcp_port: int) -> Iterator[Oid4vciIssuer]:
    """The board's service under uvicorn, its register holding one nurse."""
    url = f"http://127.0.0.1:{free_tcp_port}"
    settings = IssuerSettings(
        data_dir=tmp_path / "board", environment="development", public_url=url
    )
    app = create_app(settings)
    with serving(app, free_tcp_port):
        board: Board = app.state.board
        board.store.put_record(RECORD, actor="test")
        service: Oid4vciIssuer = app.state.oid4vci
        yield service


def test_a_nurse_receives_and_keeps_her_credentials(ready: Wallet, served: Oid4vciIssuer) -> None:
    created = served.create_offer(
        subject_of("kangoshi", "2345678"), ["kangoshi_dc_sd_jwt", "kangoshi_ldp_vc"]
    )
    assert created.tx_code is not None
    code = ready.file("tx.txt", created.tx_code + "\n")
    run = ready(
        "wallet", "receive", created.by_value, "--tx-code-file", str(code), *ready.passphrase
    )
    assert run.code == 0, run.text
    listed = ready("wallet", "list", *ready.passphrase, "--lang", "en")
    assert listed.code == 0 and listed.text.count("Registered nurse") == 2
    assert created.tx_code not in run.text and PASS not in run.text
    again = ready(
        "wallet", "receive", created.by_value, "--tx-code-file", str(code), *ready.passphrase
    )
    assert again.code != 0 and "wallet.offer_refused" in again.text  # a code is used once


def _trust_list(ready: Wallet, issuer: str, qualifications: list[str]) -> Path:
    path = ready.file("trust.toml", "")
    TrustRegistry(
        [
            TrustedIssuer(
                id=issuer,
                name_ja="厚生労働大臣",
                name_en="Minister of Health, Labour and Welfare",
                qualifications=frozenset(qualifications),
            )
        ]
    ).save(path)
    return path


def test_the_board_is_checked_against_her_trust_list_before_anything_is_kept(
    ready: Wallet, served: Oid4vciIssuer
) -> None:
    method = served.board.issuer.verification_method
    assert method is not None
    board = method.split("#")[0]
    subject = subject_of("kangoshi", "2345678")
    # A list that trusts the board for other qualifications only: refused, nothing kept.
    refused = _receive_trusting(ready, served, subject, _trust_list(ready, board, ["ishi"]))
    assert refused.code == 15, refused.text
    assert "wallet.issuer_untrusted" in refused.text and "kangoshi" in refused.text
    assert "Registered nurse" not in ready("wallet", "list", *ready.passphrase, "--lang", "en").text
    # A list that trusts it for 看護師: kept, under the name the list gives.
    kept = _receive_trusting(ready, served, subject, _trust_list(ready, board, ["kangoshi"]))
    assert kept.code == 0, kept.text
    assert "no trust list" not in kept.text
    assert "厚生労働大臣" in ready("wallet", "list", *ready.passphrase).text


def _receive_trusting(ready: Wallet, served: Oid4vciIssuer, subject: str, trust: Path) -> Run:
    created = served.create_offer(subject, ["kangoshi_dc_sd_jwt"])
    code = ready.file("tx.txt", (created.tx_code or "") + "\n")
    return ready(
        "wallet", "receive", created.by_value, "--tx-code-file", str(code),
        "--trust", str(trust), *ready.passphrase,
    )  # fmt: skip


def test_without_a_trust_list_she_is_told_the_board_was_not_checked_against_one(
    ready: Wallet, served: Oid4vciIssuer
) -> None:
    created = served.create_offer(subject_of("kangoshi", "2345678"), ["kangoshi_dc_sd_jwt"])
    code = ready.file("tx.txt", (created.tx_code or "") + "\n")
    run = ready(
        "wallet", "receive", created.by_value, "--tx-code-file", str(code), *ready.passphrase
    )
    assert run.code == 0, run.text
    assert "no trust list here: the issuer was not checked against one" in " ".join(
        run.text.split()
    )
