"""A worker process for the concurrency tests: allocates (and revokes) and reports each commit.

Run as ``python -m tests.issuer._alloc_worker URL PREFIX COUNT [--revoke-every N] [--go FILE]``.
It prints ``ready`` once connected, waits for ``--go`` to exist (so workers start together),
then prints one line per committed change, flushed at once, so that a parent that kills it
knows exactly which changes committed: ``A <credential> <list url> <index>`` per allocation
and ``R <credential>`` per revocation.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from issuer.status import RegistryConfig, StatusRegistry

ISSUER = "did:key:zDnaeConcurrencyBoard"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("--revoke-every", type=int, default=0)
    parser.add_argument("--go", type=Path)
    args = parser.parse_args()
    registry = StatusRegistry.open(
        args.url, RegistryConfig(base_url="https://status.example.jp/c", purposes=("revocation",))
    )
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while args.go is not None and not args.go.exists():
        time.sleep(0.01)
    for n in range(args.count):
        credential = f"urn:{args.prefix}:{n}"
        (entry,) = registry.allocate(credential, issuer=ISSUER)
        out.write(f"A {credential} {entry.status_list_credential} {entry.status_list_index}\n")
        out.flush()
        if args.revoke_every and n % args.revoke_every == 0:
            registry.revoke(
                credential_id=credential, reason="test", legal_basis="test", actor=args.prefix
            )
            out.write(f"R {credential}\n")
            out.flush()
    registry.close()


if __name__ == "__main__":
    main()
