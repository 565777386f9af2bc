"""shikaku's benchmarks: ``python -m bench.run --out bench/results.json``.

Every figure is operations per second on one core, measured in this run, on
the JP-profile sample credential: a 看護師 Open Badges 3.0 credential with
shikaku's own context, whose id, licence number and name differ from one
credential to the next, as a board's register does. ecdsa-sd-2023 uses the
qualification's disclosure policy and derives the employer request profile.

The same run measures the two references the figures are read against: the
raw P-256 signature rate of ``cryptography`` (the ceiling) and a
straightforward issuance with pyld's ``normalize`` plus ``cryptography`` (the
baseline most Python stacks have).

Benchmarks measure; they never assert. Numbers go to the results file and
into the issue notes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from pyld import jsonld as pyld_jsonld

from bench.common import rate, register
from cli.loader import cli_loader
from vc_core import di
from vc_core.di.base import proof_config
from vc_core.jsonld.canon import canonize
from vc_core.keys import SoftwareKey, generate_key
from vc_schemas.policy import disclosure_policy

LOADER = cli_loader()
POOL = 512


def _rate(action: Callable[[int], Any], seconds: float) -> float:
    return rate(action, seconds, pool=POOL)


def _credentials(issuer: str) -> list[dict[str, Any]]:
    return register(POOL, issuer=issuer)


def _signing(creds: list[dict[str, Any]], suite: str, key: SoftwareKey) -> Callable[[int], Any]:
    def action(i: int) -> Any:
        # `created` is the real clock, as when a board signs its register.
        return di.sign(creds[i], suite=suite, signer=key, loader=LOADER)

    return action


def _verifying(documents: list[dict[str, Any]]) -> Callable[[int], Any]:
    def action(i: int) -> Any:
        return di.verify(documents[i], loader=LOADER)

    return action


def run(seconds: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    p256 = generate_key("p256")
    ed = generate_key("ed25519")
    issuer = di.default_verification_method(p256).split("#")[0]
    creds = _credentials(issuer)

    start = datetime(2026, 11, 26, tzinfo=UTC)
    raw_key = ec.generate_private_key(ec.SECP256R1())
    figures["raw_p256_sign"] = _rate(
        lambda i: raw_key.sign(b"x" * 64 + i.to_bytes(4), ec.ECDSA(hashes.SHA256())), seconds
    )
    figures["raw_p256_sign_rfc6979"] = _rate(
        lambda i: raw_key.sign(
            b"x" * 64 + i.to_bytes(4), ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
        ),
        seconds,
    )

    def pyld_baseline(i: int) -> None:
        # Straightforward ecdsa-rdfc-2019 issuance: pyld URDNA2015 + cryptography.
        doc = creds[i]
        proof = {
            "type": "DataIntegrityProof",
            "cryptosuite": "ecdsa-rdfc-2019",
            "created": "2026-11-26T00:00:00Z",
            "verificationMethod": di.default_verification_method(p256),
            "proofPurpose": "assertionMethod",
        }
        options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": LOADER,
        }
        canon_doc = pyld_jsonld.normalize(doc, options)
        canon_proof = pyld_jsonld.normalize(proof_config(doc, proof, "ecdsa-rdfc-2019"), options)
        data = (
            hashlib.sha256(canon_proof.encode()).digest()
            + hashlib.sha256(canon_doc.encode()).digest()
        )
        raw_key.sign(data, ec.ECDSA(hashes.SHA256()))

    figures["pyld_baseline_ecdsa_rdfc_2019_sign"] = _rate(pyld_baseline, seconds)
    figures["canonicalize_fast"] = _rate(lambda i: canonize(creds[i], loader=LOADER), seconds)
    figures["canonicalize_straightforward"] = _rate(
        lambda i: canonize(creds[i], loader=LOADER, fast=False), seconds
    )

    for suite, key in (("ecdsa-rdfc-2019", p256), ("eddsa-rdfc-2022", ed)):
        name = suite.replace("-", "_")
        # One proof a second apart each: a verifier sees proofs from many
        # moments, so no two share a proof configuration.
        signed = [
            di.sign(c, suite=suite, signer=key, loader=LOADER, created=start + timedelta(seconds=i))
            for i, c in enumerate(creds)
        ]
        figures[f"{name}_sign"] = _rate(_signing(creds, suite, key), seconds)
        figures[f"{name}_verify"] = _rate(_verifying(signed), seconds)

    if "ecdsa-sd-2023" in di.SUITES:
        mandatory = disclosure_policy("kangoshi").mandatory_pointers(creds[0])
        base = [
            di.sign(
                c,
                suite="ecdsa-sd-2023",
                signer=p256,
                loader=LOADER,
                mandatory_pointers=mandatory,
            )
            for c in creds
        ]
        reveal = disclosure_policy("kangoshi").selective_pointers(creds[0], "employer")
        derived = [di.derive(b, selective_pointers=reveal, loader=LOADER) for b in base]
        figures["ecdsa_sd_2023_base"] = _rate(
            lambda i: di.sign(
                creds[i],
                suite="ecdsa-sd-2023",
                signer=p256,
                loader=LOADER,
                mandatory_pointers=mandatory,
            ),
            seconds,
        )
        figures["ecdsa_sd_2023_derive"] = _rate(
            lambda i: di.derive(base[i], selective_pointers=reveal, loader=LOADER), seconds
        )
        figures["ecdsa_sd_2023_verify"] = _rate(
            lambda i: di.verify(derived[i], loader=LOADER), seconds
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--seconds", type=float, default=2.0, help="per figure")
    args = parser.parse_args()

    figures = run(args.seconds)
    raw = figures["raw_p256_sign"]
    baseline = figures["pyld_baseline_ecdsa_rdfc_2019_sign"]
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "unit": "operations per second, one core",
        "data_integrity": {
            name: {
                "ops_per_s": round(value, 1),
                "vs_raw_p256_sign": round(value / raw, 4),
                "vs_pyld_baseline": round(value / baseline, 2),
            }
            for name, value in figures.items()
        },
    }
    for section, module in (
        ("status_lists", "bench.status_bench"),
        ("sd_jwt", "bench.sdjwt_bench"),
        ("startup", "bench.startup_bench"),
        ("pipeline", "bench.pipeline_bench"),
        ("limits", "bench.limits_bench"),
        ("verifier_http", "bench.verifier_http_bench"),
        ("register", "bench.register_bench"),
    ):
        try:
            extra = importlib.import_module(module)
        except ModuleNotFoundError:
            continue  # Each part's benchmarks ship with that part.
        results[section] = extra.run()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous: dict[str, Any] = {}
    if args.out.exists():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
    # The register section keeps each database and size apart (bench.register_bench): the
    # short run here must not drop a whole-register entry from `make bench-register`.
    kept_register = previous.get("register")
    previous.update(results)
    if isinstance(kept_register, dict) and isinstance(results.get("register"), dict):
        previous["register"] = {**kept_register, **results["register"]}
    args.out.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, entry in results["data_integrity"].items():
        print(
            f"{name:42s} {entry['ops_per_s']:>10.1f}/s  ×{entry['vs_pyld_baseline']:<6} pyld"
            f"  {entry['vs_raw_p256_sign']:.3f} of raw sign"
        )
    for section in (
        "status_lists",
        "sd_jwt",
        "startup",
        "pipeline",
        "limits",
        "verifier_http",
        "register",
    ):
        if section in results:
            print(section, json.dumps(results[section], indent=2))


if __name__ == "__main__":
    main()
