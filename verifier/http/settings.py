"""The verifier service's settings: where its trust comes from and whom it verifies for.

:class:`VerifierSettings` extends :class:`service_kit.settings.ServiceSettings` (data
directory, database, environment; ``SHIKAKU_*`` variables and an optional TOML file) with what
:class:`verifier.service.VerifierConfig` needs. ``audience`` is the verifier's own identity,
VC-API's ``domain``: challenges are issued for it and presentations must name it. It has no
default, because a verifier that does not know who it is cannot refuse a presentation made
for someone else (a relayed one). ``domains`` are further audiences the service answers for;
a challenge for any other domain is refused, so no one can borrow this verifier's nonces for
a site of their own.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, FilePath

from service_kit.settings import ServiceSettings
from vc_core.jsonio import DEFAULT_LIMITS
from verifier.policy import ALL_CHECKS, CheckName
from verifier.service import VerifierConfig

__all__ = ["VerifierSettings"]


class VerifierSettings(ServiceSettings):
    """What ``shikaku serve verifier`` and :func:`verifier.http.create_app` start from."""

    audience: str = Field(min_length=1, max_length=2048)
    domains: tuple[str, ...] = ()
    trust_registry: FilePath | None = None
    jpki_anchors: tuple[FilePath, ...] = ()
    status_allow: tuple[str, ...] = ()
    status_timeout: float = Field(default=5.0, gt=0, le=60)
    required_checks: frozenset[CheckName] = ALL_CHECKS
    nonce_ttl_seconds: int = Field(default=300, gt=0, le=3600)
    max_body_bytes: int = Field(default=DEFAULT_LIMITS.max_bytes, gt=0, le=16 * 1024 * 1024)

    @property
    def allowed_domains(self) -> tuple[str, ...]:
        """The audiences challenges are issued for: ``audience`` first, then ``domains``."""
        return (self.audience, *(d for d in self.domains if d != self.audience))

    def verifier_config(self) -> VerifierConfig:
        """The :class:`~verifier.service.VerifierConfig` these settings describe."""
        return VerifierConfig(
            data_dir=self.data_dir,
            database_url=self.database("verifier"),
            trust_registry=self.trust_registry,
            jpki_anchors=self.jpki_anchors,
            status_allow=self.status_allow,
            status_timeout=self.status_timeout,
            required=self.required_checks,
            nonce_ttl=timedelta(seconds=self.nonce_ttl_seconds),
        )
