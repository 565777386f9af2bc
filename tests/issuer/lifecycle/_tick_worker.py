"""A worker process for the scheduler test: one board process running scheduler rounds.

Run as ``python -m tests.issuer.lifecycle._tick_worker DATA_DIR DATABASE_URL MOMENT NAME
--go FILE``. It opens the board as a service would (its clock fixed at ``MOMENT``), prints
``ready``, waits for ``--go`` to exist so that every worker starts together, runs three
scheduler rounds and prints ``done`` with the number of status changes it made.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from issuer.board import open_board
from issuer.lifecycle import LifecycleScheduler
from issuer.settings import IssuerSettings
from vc_core.clock import FixedClock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("url")
    parser.add_argument("moment")
    parser.add_argument("name")
    parser.add_argument("--go", type=Path, required=True)
    args = parser.parse_args()
    settings = IssuerSettings(
        data_dir=args.data_dir,
        environment="development",
        public_url="https://board.example.jp",
        database_url=SecretStr(args.url),
        status_purposes=("revocation", "suspension", "message"),
    )
    board = open_board(settings, clock=FixedClock(datetime.fromisoformat(args.moment)))
    try:
        scheduler = LifecycleScheduler(board, actor=args.name)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        while not args.go.exists():
            time.sleep(0.01)
        made = sum(len(scheduler.run_once().report.changes) for _ in range(3))
        sys.stdout.write(f"done {made}\n")
        sys.stdout.flush()
    finally:
        board.close()


if __name__ == "__main__":
    main()
