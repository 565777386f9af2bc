"""The employer's full check, for ``python -m bench.run`` (``run()``) or on its own:
``python -m bench.pipeline_bench --out bench/results.json`` merges it in as ``"pipeline"``.

Issue 9's figure: :func:`verifier.pipeline.verify` under the employer policy — every check
required: the issuer's proof, issuer binding and trust (registry), status (the list fetched
once, then cached, as a running verifier has it), the qualification's schema, the holder's
proof over a nonce this verifier issued, and that nonce consumed from a SQLite nonce store
(WAL, one durable write per presentation) — per second on one core, for

- ``dc_sd_jwt``: a presented ``dc+sd-jwt`` (wallet key, KB-JWT; two ES256 verifications);
  ``dc_sd_jwt_memory_nonces`` the same with the nonce consumed in memory (the pipeline's own
  cost, without the disk write);
- ``ldp_vp``: a Data Integrity ``ecdsa-rdfc-2019`` credential in a VP signed by the holder
  (two ECDSA verifications over two canonicalized documents);
- ``vp_jwt_di``: the same credential in a ``vp+jwt`` (one canonicalization, two ECDSA);

beside ``raw_p256_verify`` (``cryptography`` alone) measured in the same run, and each
figure's share of it. Every presentation carries its own nonce, so none is a replay; a pool
larger than the run's count is built first. Benchmarks measure; they never assert.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import merge_section
from holder.wallet import Wallet
from service_kit.db import create_engine, sqlite_url
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import InMemoryNonceStore, SqlNonceStore
from tests.verifier.world import AUDIENCE, World, make_world
from verifier.pipeline import verify

__all__ = ["run"]


def _timed(items: Sequence[Any], check: Callable[[Any], Any], seconds: float) -> float:
    """Operations per second over ``items`` in order, for at most ``seconds``."""
    for item in items[:20]:
        check(item)  # Warm-up: caches fill as in a running service (these are not counted).
    count = 0
    start = time.perf_counter()
    for item in items[20:]:
        check(item)
        count += 1
        if time.perf_counter() - start >= seconds:
            break
    return count / (time.perf_counter() - start)


def _world(folder: Path) -> World:
    world = make_world(folder)
    engine = create_engine(sqlite_url(folder, "verifier"))
    upgrade(engine, KIT_MIGRATIONS)
    world.nonces = SqlNonceStore(engine)
    world.policy = world.policy.replace(nonces=world.nonces)
    return world


def _verified(world: World) -> Callable[[Any], Any]:
    def check(presented: Any) -> Any:
        result = verify(presented, world.policy)
        if not result.verified:  # A benchmark of refusals would measure the wrong thing.
            raise RuntimeError(result.to_json()["checks"])
        return result

    return check


def run(seconds: float = 2.0, pool: int = 4000) -> dict[str, float]:
    figures: dict[str, float] = {}
    raw = ec.generate_private_key(ec.SECP256R1())
    signature = raw.sign(b"x" * 64, ec.ECDSA(hashes.SHA256()))
    public = raw.public_key()
    start = time.perf_counter()
    count = 0
    while time.perf_counter() - start < seconds:
        public.verify(signature, b"x" * 64, ec.ECDSA(hashes.SHA256()))
        count += 1
    figures["raw_p256_verify"] = count / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        world = _world(Path(tmp))
        world.nonces.issue(audience=AUDIENCE, purpose="presentation", ttl=timedelta(hours=1),
                           now=world.clock())  # fmt: skip
        sd_jwt, _ = world.sd_jwt()
        presented = [world.present(sd_jwt, nonce=world.challenge()) for _ in range(pool)]
        figures["dc_sd_jwt"] = _timed(presented, _verified(world), seconds)
        # The pipeline's own cost, the nonce consumed in memory rather than on disk:
        memory = InMemoryNonceStore()
        world.nonces, sql = memory, world.nonces
        world.policy = world.policy.replace(nonces=memory)
        presented = [world.present(sd_jwt, nonce=world.challenge()) for _ in range(pool)]
        figures["dc_sd_jwt_memory_nonces"] = _timed(presented, _verified(world), seconds)
        world.nonces = sql
        world.policy = world.policy.replace(nonces=sql)
        credential = world.signed()
        vps = [world.vp(credential, nonce=world.challenge()) for _ in range(pool // 4)]
        figures["ldp_vp"] = _timed(vps, _verified(world), seconds)
        wallet = Wallet(world.holder, clock=world.clock)
        credential = world.signed(subject=wallet.did)
        jwts = [
            wallet.present([credential], nonce=world.challenge(), audience=AUDIENCE, jose=True)
            for _ in range(pool // 2)
        ]
        figures["vp_jwt_di"] = _timed(jwts, _verified(world), seconds)
        world.registry.close()
    base = figures["raw_p256_verify"]
    return {
        **{k: round(v, 1) for k, v in figures.items()},
        **{
            f"{k}_vs_raw_p256_verify": round(v / base, 4)
            for k, v in figures.items()
            if k != "raw_p256_verify"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--seconds", type=float, default=2.0, help="per figure")
    args = parser.parse_args()
    figures = run(args.seconds)
    merge_section(args.out, "pipeline", figures)
    for name, value in figures.items():
        print(f"{name:34s} {value:>10}")


if __name__ == "__main__":
    main()
