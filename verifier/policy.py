"""What a verifier requires, built once and reused for every input (pyca's ``PolicyBuilder``).

A :class:`VerifierPolicy` names the checks it *requires* and holds everything those checks run
with: the clock, the JSON-LD loader, the trust registry and issuer-key resolution, the status
checker, the presentation nonce store and the JPKI trust anchors. It is immutable: a service
builds one in its lifespan and calls :func:`verifier.pipeline.verify` with it per request.

Fail closed (ARCHITECTURE.md, "Errors and results"): a required check that cannot run because
the policy lacks what it needs is reported "could not verify" (``verify.check_unavailable``),
never a pass. The employer policy requires every check; the proof-only policy is what the W3C
conformance suites exercise (``options.checks: ["proof"]``), and it says so in every result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Protocol

from vc_core.clock import Clock, system_clock
from vc_core.did import KeyResolver, resolve_verification_method
from vc_core.errors import RequestError
from vc_core.formats import Format
from vc_core.jose.claims import DEFAULT_SKEW
from vc_core.jsonld.processor import Loader
from vc_core.sdjwt import DEFAULT_MAX_AGE
from vc_schemas.catalogue import Catalogue, default_catalogue
from vc_schemas.registry import loader as schemas_loader

if TYPE_CHECKING:
    from datetime import datetime

    from jpki_bridge.validation import TrustAnchors
    from verifier.issuer_keys import IssuerKeys
    from verifier.status.check import StatusChecker
    from verifier.trust import TrustRegistry

__all__ = [
    "ALL_CHECKS",
    "PRESENTATION_CHECKS",
    "PROOF_ONLY",
    "VC_API_CHECKS",
    "CheckName",
    "PresentationNonces",
    "VerifierPolicy",
    "VerifyOptions",
]


class CheckName(StrEnum):
    """One vocabulary of checks for every form (Data Integrity, VC-JOSE, SD-JWT VC)."""

    FORMAT = "format"
    """The input parses as the form it claims to be."""
    DATA_MODEL = "data_model"
    """VC Data Model 2.0 rules, or the SD-JWT VC claim rules."""
    PROOF = "proof"
    """The issuer's signature: Data Integrity proofs, or the JWS with its disclosures."""
    ISSUER_BINDING = "issuer_binding"
    """The key that signed belongs to the issuer the credential names."""
    ISSUER_TRUST = "issuer_trust"
    """The trust registry knows the issuer and lets it issue this qualification."""
    VALIDITY = "validity"
    """``validFrom``/``validUntil`` or ``nbf``/``exp`` against the policy's clock."""
    STATUS = "status"
    """Every status entry was looked at and is clear (not revoked, not suspended)."""
    SCHEMA = "schema"
    """The qualification's JSON Schema and catalogue rules on what was disclosed."""
    HOLDER_BINDING = "holder_binding"
    """The presenter proved possession of the credential's holder key over our nonce."""
    HOLDER_CERTIFICATE = "holder_certificate"
    """Card mode: the holder's JPKI certificate chains to a configured JPKI root."""
    NONCE = "nonce"
    """The presentation's nonce was issued by us and is used up now (no replay)."""


ALL_CHECKS = frozenset(CheckName)
#: The checks a presentation answers for every credential it carries.
PRESENTATION_CHECKS = frozenset(
    {CheckName.HOLDER_BINDING, CheckName.NONCE, CheckName.HOLDER_CERTIFICATE}
)
#: What the W3C Data Integrity suites ask for: the data model and the proof, nothing else.
PROOF_ONLY = frozenset({CheckName.FORMAT, CheckName.DATA_MODEL, CheckName.PROOF})


class PresentationNonces(Protocol):
    """The part of ``service_kit.nonces.NonceStore`` the pipeline uses: consume once."""

    def consume(
        self, value: str, *, audience: str | None, purpose: str, now: datetime
    ) -> object: ...


@dataclass(frozen=True)
class VerifyOptions:
    """What one call adds to the policy: the expected nonce and audience, requested checks.

    ``nonce`` and ``audience`` are VC-API's ``challenge`` and ``domain`` and OpenID4VP's
    ``nonce`` and ``client_id``. ``checks`` is VC-API's ``options.checks``: when given, only
    those checks are run and the others are reported as not requested.
    """

    nonce: str | None = None
    audience: str | None = None
    checks: frozenset[CheckName] | None = None

    @classmethod
    def of(
        cls,
        *,
        nonce: str | None = None,
        audience: str | None = None,
        checks: Iterable[str] | None = None,
    ) -> VerifyOptions:
        """Options from request values; an unknown check name is ``request.invalid``."""
        chosen: frozenset[CheckName] | None = None
        if checks is not None:
            names = [VC_API_CHECKS.get(n, n) for n in checks]
            unknown = [n for n in names if n not in CheckName._value2member_map_]
            if unknown:
                raise RequestError("request.invalid", f"unknown checks: {unknown[:5]}")
            chosen = frozenset(CheckName(n) for n in names) | {CheckName.FORMAT}
        return cls(nonce=nonce, audience=audience, checks=chosen)


#: Check names other VC-API implementations and the W3C suites send, as shikaku names them.
VC_API_CHECKS: Final = {"credentialStatus": "status", "expiration": "validity"}


@dataclass(frozen=True)
class VerifierPolicy:
    """Required checks and what they run with.

    The default requires every check (the employer policy): leaving out the trust registry,
    the status checker or the nonce store makes those checks "could not verify", so a policy
    built carelessly refuses rather than passes. :meth:`proof_only` is the conformance view.
    """

    required: frozenset[CheckName] = ALL_CHECKS
    clock: Clock = system_clock
    loader: Loader = field(default_factory=schemas_loader)
    trust: TrustRegistry | None = None
    issuer_keys: IssuerKeys | None = None
    status: StatusChecker | None = None
    nonces: PresentationNonces | None = None
    card_anchors: TrustAnchors | None = None
    catalogue: Catalogue = field(default_factory=default_catalogue)
    accepted: frozenset[Format] = frozenset(Format)
    nonce_purpose: str = "presentation"
    kb_max_age: int = DEFAULT_MAX_AGE
    skew: int = DEFAULT_SKEW
    nonce_ttl: timedelta = timedelta(minutes=5)

    def key_resolver(self) -> KeyResolver:
        """DID URLs to keys: the trust registry's resolution (did:web too), else offline."""
        if self.issuer_keys is not None:
            resolver: KeyResolver = self.issuer_keys.key_resolver()
            return resolver
        return resolve_verification_method

    def replace(self, **changes: Any) -> VerifierPolicy:
        """A copy with some parts changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def proof_only(self) -> VerifierPolicy:
        """The data model and the issuer's proof, as the W3C conformance suites check."""
        return replace(self, required=PROOF_ONLY)

    def requiring(self, checks: Collection[CheckName]) -> VerifierPolicy:
        return replace(self, required=frozenset(checks) | {CheckName.FORMAT})
