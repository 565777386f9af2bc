"""The employer's side of shikaku: one verification pipeline that fails closed.

Entry points (imported on first use, so that ``import verifier.trust`` stays light):

- :class:`Verifier`, built by :func:`build_verifier` from a frozen :class:`VerifierConfig`
  — the object the CLI and the HTTP service call: ``verify(input, options)`` and
  ``challenge(audience)``;
- :func:`verify` with a :class:`VerifierPolicy` and :class:`VerifyOptions`, returning a
  :class:`VerificationResult` whose checks are named by :class:`CheckName`;
- :class:`TrustRegistry` and :class:`TrustedIssuer`: which issuers may issue which
  qualifications.

May import ``vc_core``, ``vc_schemas``, ``jpki_bridge`` and ``service_kit``; never
``issuer``, ``holder`` or ``cli`` (ARCHITECTURE.md, Packages). httpx only at the edges that
fetch (status lists, issuer keys).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "CheckName",
    "TrustRegistry",
    "TrustedIssuer",
    "VerificationResult",
    "Verifier",
    "VerifierConfig",
    "VerifierPolicy",
    "VerifyOptions",
    "build_verifier",
    "verify",
]

_WHERE = {
    "CheckName": "verifier.policy",
    "VerifierPolicy": "verifier.policy",
    "VerifyOptions": "verifier.policy",
    "VerificationResult": "verifier.result",
    "Verifier": "verifier.service",
    "VerifierConfig": "verifier.service",
    "build_verifier": "verifier.service",
    "verify": "verifier.pipeline",
    "TrustRegistry": "verifier.trust",
    "TrustedIssuer": "verifier.trust",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'verifier' has no attribute {name!r}")
