"""A worker process for the cross-process tests: redeems one pre-authorized code.

Run as ``python -m tests.issuer.oid4vci._redeem_worker DATA_DIR DB_URL PUBLIC_URL CODE GO
TX_CODE...``. It opens the board, prints ``ready``, waits for the file ``GO`` (so that the
workers start together), then sends the token request once per transaction code given, each
with its own DPoP proof, and prints one line per answer: ``ok`` or the OAuth error and its
description.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pydantic import SecretStr

from issuer.board import open_board
from issuer.oid4vci import Oid4vciIssuer
from issuer.settings import IssuerSettings
from tests.issuer.oid4vci.wallet import PRE_AUTH, Wallet
from vc_core.errors import OAuthError


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    data_dir, url, public_url, code, go, *tx_codes = sys.argv[1:]
    settings = IssuerSettings(
        data_dir=Path(data_dir),
        environment="development",
        public_url=public_url,
        database_url=SecretStr(url),
    )
    board = open_board(settings)
    service = Oid4vciIssuer(board)
    wallet = Wallet(None)
    _say("ready")
    while not Path(go).exists():
        time.sleep(0.01)
    for tx_code in tx_codes:
        wallet.dpop_nonce = service.dpop_nonce()
        proof = wallet.dpop("POST", service.endpoints.token)
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code, "tx_code": tx_code}
        try:
            service.token(form, dpop=proof)
            _say("ok")
        except OAuthError as error:
            _say(f"{error.error} {error.message}")
    board.close()


if __name__ == "__main__":
    main()
