"""Issuer binding and issuer trust (issue 9): who really signed, and may they issue this?

*Binding* — the key that signed must belong to the issuer the credential names. For Data
Integrity the verification method of every proof must be the issuer's: the same DID for
did:key and did:jwk, a method of the issuer's DID document (``assertionMethod``) for did:web.
For the JOSE forms the issuer key resolver of :class:`verifier.issuer_keys.IssuerKeys`
already refuses a key that is not ``iss``'s (``kid`` DID, ``x5c`` chain with a matching SAN,
or JWT VC Issuer Metadata); the pipeline reports what it found here.

*Trust* — the trust registry must know the issuer and let it issue the qualification the
credential names (``trust.issuer_unknown``, ``trust.not_authorized``,
``trust.qualification_unknown``). Without a registry the check cannot run: could not verify.
"""

from __future__ import annotations

from collections.abc import Sequence

from vc_core.did import VerificationMethod
from vc_core.errors import TrustError
from verifier.checks.assemble import Checks
from verifier.policy import CheckName, VerifierPolicy
from verifier.result import IssuerInfo

__all__ = ["check_di_binding", "check_trust", "offline_binding"]

_OFFLINE = ("did:key:", "did:jwk:")


def offline_binding(issuer: str, method: VerificationMethod) -> None:
    """did:key / did:jwk: the verification method's DID must be the issuer itself."""
    controller = method.controller or method.id.split("#", 1)[0]
    if controller != issuer or not method.id.startswith(issuer + "#"):
        raise TrustError(
            "trust.key_mismatch",
            f"the proof was made by {controller[:80]}, not by the issuer {issuer[:80]}",
        )


def check_di_binding(
    checks: Checks, policy: VerifierPolicy, issuer: str, methods: Sequence[VerificationMethod]
) -> None:
    """Every Data Integrity proof's verification method belongs to ``issuer``."""
    if not checks.wants(CheckName.ISSUER_BINDING):
        return
    if not methods:
        # No proof verified, so no key to bind; the proof check has refused the credential.
        checks.not_applicable(CheckName.ISSUER_BINDING, "no verified proof names a key")
        return

    def bind() -> dict[str, object]:
        for method in methods:
            if policy.issuer_keys is not None:
                policy.issuer_keys.check_binding(issuer, method.id)
            elif issuer.startswith(_OFFLINE):
                offline_binding(issuer, method)
            else:
                raise TrustError(
                    "trust.resolution_failed",
                    f"no issuer key resolution is configured for {issuer[:80]}",
                )
        return {"verificationMethod": methods[0].id}

    checks.run(CheckName.ISSUER_BINDING, bind)


def check_trust(
    checks: Checks, policy: VerifierPolicy, issuer: str, qualification: str | None
) -> IssuerInfo:
    """Ask the trust registry; the issuer as the registry names it (or just its id)."""
    info = IssuerInfo(issuer)
    if not checks.wants(CheckName.ISSUER_TRUST) or policy.trust is None:
        return _named(policy, issuer) or info
    if qualification is None:
        checks.failed(
            CheckName.ISSUER_TRUST,
            TrustError("trust.qualification_unknown", "the credential names no qualification"),
        )
        return _named(policy, issuer) or info
    try:
        trusted = policy.trust.authorize(issuer, qualification)
    except TrustError as exc:
        checks.failed(CheckName.ISSUER_TRUST, exc)
        return _named(policy, issuer) or info
    checks.passed(CheckName.ISSUER_TRUST, authority=trusted.name_ja, qualification=qualification)
    return IssuerInfo(issuer, trusted.name_ja, trusted.name_en)


def _named(policy: VerifierPolicy, issuer: str) -> IssuerInfo | None:
    """The registry's names for a known issuer even when it failed authorisation."""
    if policy.trust is None:
        return None
    try:
        trusted = policy.trust.lookup(issuer)
    except TrustError:
        return None
    return IssuerInfo(issuer, trusted.name_ja, trusted.name_en)
