"""The ``nonce`` check: the presentation's nonce was issued by this verifier and is used up now.

A holder proof over a nonce shows freshness only if the nonce cannot be used twice. The
verifier issues nonces into its store (``service_kit.nonces``; SQLite, or PostgreSQL shared
by several instances) and consumes each atomically on first use, so a second use of the same
presentation is refused with ``nonce.reused`` however many instances see it. Without a store
the check cannot run: could not verify. A nonce is consumed only after the holder's signature
over it verified, so garbage cannot burn a real holder's nonce.
"""

from __future__ import annotations

from typing import Any

from vc_core.errors import KeyBindingError, ShikakuError
from verifier.checks.assemble import Checks
from verifier.policy import CheckName, VerifierPolicy, VerifyOptions

__all__ = ["consume_nonce"]


def consume_nonce(
    checks: Checks,
    policy: VerifierPolicy,
    nonce: Any,
    audience: Any,
    options: VerifyOptions,
) -> None:
    if not checks.wants(CheckName.NONCE):
        return
    if not checks.ok(CheckName.HOLDER_BINDING):
        checks.not_applicable(CheckName.NONCE, "no verified holder proof to take a nonce from")
        return
    if not isinstance(nonce, str) or not nonce:
        checks.failed(CheckName.NONCE, KeyBindingError("kb.malformed", "the proof has no nonce"))
        return
    if not isinstance(audience, str) or not audience:
        # The holder must say whom the proof is for, and it must be whom we issued the nonce
        # to: else a nonce fetched from us could be signed for anyone and relayed here.
        checks.failed(
            CheckName.NONCE, KeyBindingError("kb.malformed", "the proof names no audience")
        )
        return
    if policy.nonces is None:
        return  # Required and not run: assembled as verify.check_unavailable.
    del options  # The expected audience, when given, was already compared with the proof's.
    try:
        policy.nonces.consume(
            nonce, audience=audience, purpose=policy.nonce_purpose, now=policy.clock()
        )
    except ShikakuError as exc:
        checks.failed(CheckName.NONCE, exc)
        return
    checks.passed(CheckName.NONCE, consumed=True)
