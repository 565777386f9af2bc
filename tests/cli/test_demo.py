"""`make demo` runs `shikaku demo`: the newcomer's first command tells the whole story over
real HTTP and exits 0, and leaves what it made for her to explore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from holder.store import WalletStore
from issuer.board import open_board
from issuer.settings import IssuerSettings


def test_demo_tells_the_story_over_http_and_exits_0(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-c", "from cli.app import main; main()", "demo", "--out", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "this is a bug" not in out
    # The page's three answers, in the order the story asks: valid, suspended, valid again.
    shown = [
        line.split("the page: ", 1)[1].strip()
        for line in out.splitlines()
        if "/ the page: " in line
    ]
    assert shown == ["有効", "無効", "有効"], out
    assert "業務停止中" in out  # the suspension, with its dates and reason, on the page
    assert "無効" in out.split("5. 偽造と再送")[-1]  # the forgery
    assert "shikaku serve --data-dir" in out
    # What she keeps: one credential, bound to her card, in her encrypted wallet.
    passphrase = (folder / "wallet-passphrase.txt").read_text(encoding="utf-8").strip()
    stored = WalletStore.open(folder / "wallet.json", passphrase).credentials()
    assert [(c.format, c.holder_mode) for c in stored] == [("dc+sd-jwt", "card")]
    # What the board recorded: the enrolment, and the suspension and its lifting.
    board = open_board(IssuerSettings.load(toml_file=folder / "board.toml"))
    try:
        actions = [event.action for event in board.store.events()]
    finally:
        board.close()
    assert "holder_enrolled" in actions
    assert any("suspend" in action for action in actions)
    assert any("reinstate" in action for action in actions)
