"""SD-JWT VC benchmarks, for ``python -m bench.run`` (``run()``) or on their own:
``python -m bench.sdjwt_bench --out bench/results.json`` merges them in as ``"sd_jwt"``.

Operations per second on one core, on the JP-profile 看護師 sample credential whose id,
licence number and name differ from one credential to the next (bench/run.py's pool):

- ``issue``: :func:`issuer.jose_forms.issue_jose_credential` to ``dc+sd-jwt`` of a built
  credential (as :func:`~issuer.jose_forms.issue_jose_from_record` does: mapping to SD-JWT VC
  claims, ``cnf``, ``status``, 15 concealed claims with 128-bit salts, decoys, ES256);
- ``issue_validated``: the same with the JP-profile JSON Schema check first (what
  ``shikaku vc sign`` does with a credential from outside);
- ``present``: the holder choosing the employer request profile and signing the KB-JWT
  (ES256 wallet key);
- ``verify``: RFC 9901 verification of the presentation — ``typ``, algorithm allowlist,
  issuer signature, ``exp``/``nbf``/``iat``, disclosure integrity, KB-JWT (signature by the
  ``cnf`` key, ``sd_hash``, nonce, audience, freshness) and the SD-JWT VC claim rules: two
  ES256 verifications;
- ``verify_with_schema``: the whole employer pipeline (:func:`verifier.jose.verify_jose`),
  adding the qualification's JSON Schema and catalogue rules on the disclosed claims;
- ``vc_jwt_sign`` / ``vc_jwt_verify``: the W3C ``vc+jwt`` form (verify with the VCDM checks);
- ``raw_p256_sign`` / ``raw_p256_verify``: ``cryptography`` alone, the ceiling.

Benchmarks measure; they never assert.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.common import merge_section, rate, register
from holder.present import present
from issuer.jose_forms import HolderBinding, TokenStatus, issue_jose_credential
from vc_core.di import default_verification_method
from vc_core.jose.vc import sign_vc_jwt, verify_vc_jwt
from vc_core.keys import generate_key
from vc_core.sdjwt import KeyBindingRequest, sd_jwt_vc_check, verify_sd_jwt
from vc_schemas.policy import disclosure_policy
from verifier.jose import verify_jose

__all__ = ["run"]

POOL = 256
NONCE = "bench-nonce"
AUDIENCE = "https://employer.bench.example"


def _rate(action: Callable[[int], Any], seconds: float) -> float:
    return rate(action, seconds, pool=POOL)


def run(seconds: float = 2.0) -> dict[str, float]:
    """Every figure of the module docstring, in operations per second."""
    issuer = generate_key("p256")
    # Every credential has its own holder, as a verifier meets them.
    holders = [generate_key("p256") for _ in range(POOL)]
    kid = default_verification_method(issuer)
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    credentials = register(POOL)
    employer = [
        p.removeprefix("/credentialSubject")
        for p in disclosure_policy("kangoshi").request("employer").pointers
    ]

    def issue(i: int, *, validate: bool = False) -> str:
        return issue_jose_credential(
            credentials[i],
            form="dc+sd-jwt",
            signer=issuer,
            kid=kid,
            now=now - timedelta(days=1),
            holder=HolderBinding.of_key(holders[i].public_key),
            status=TokenStatus("https://status.bench.example/lists/1", i),
            validate=validate,
        )

    issued = [issue(i) for i in range(POOL)]

    def presenting(i: int) -> str:
        return present(
            issued[i], disclose=employer, signer=holders[i], nonce=NONCE, audience=AUDIENCE, now=now
        )

    presented = [presenting(i) for i in range(POOL)]
    request = KeyBindingRequest(NONCE, AUDIENCE)
    vc_rules = [sd_jwt_vc_check()]
    for sample in (presented[0], presented[-1]):
        outcome = verify_jose(sample, now=now, nonce=NONCE, audience=AUDIENCE)
        if not outcome.verdict.verified:
            raise RuntimeError(f"the benchmark's presentation does not verify: {outcome.to_json()}")
    vc_jwts = [sign_vc_jwt(c, issuer, kid=kid, now=now) for c in credentials]

    raw = ec.generate_private_key(ec.SECP256R1())
    raw_public = raw.public_key()
    message = b"x" * 600
    raw_signature = raw.sign(message, ec.ECDSA(hashes.SHA256()))

    return {
        "issue": _rate(issue, seconds),
        "issue_validated": _rate(lambda i: issue(i, validate=True), seconds),
        "present": _rate(presenting, seconds),
        "verify": _rate(
            lambda i: verify_sd_jwt(
                presented[i],
                typ=("dc+sd-jwt",),
                now=now,
                key_binding=request,
                required_claims=("iat",),
                extra_checks=vc_rules,
            ),
            seconds,
        ),
        "verify_with_schema": _rate(
            lambda i: verify_jose(presented[i], now=now, nonce=NONCE, audience=AUDIENCE), seconds
        ),
        "vc_jwt_sign": _rate(
            lambda i: sign_vc_jwt(credentials[i], issuer, kid=kid, now=now), seconds
        ),
        "vc_jwt_verify": _rate(lambda i: verify_vc_jwt(vc_jwts[i], now=now), seconds),
        "raw_p256_sign": _rate(lambda i: raw.sign(message, ec.ECDSA(hashes.SHA256())), seconds),
        "raw_p256_verify": _rate(
            lambda i: raw_public.verify(raw_signature, message, ec.ECDSA(hashes.SHA256())), seconds
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--seconds", type=float, default=2.0, help="per figure")
    args = parser.parse_args()
    figures = {name: round(value, 1) for name, value in run(args.seconds).items()}
    merge_section(args.out, "sd_jwt", figures)
    for name, value in figures.items():
        print(f"{name:24s} {value:>10.1f}/s")


if __name__ == "__main__":
    main()
