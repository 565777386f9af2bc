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

from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, FilePath

from service_kit.settings import ServiceSettings
from vc_core.errors import Oid4vpError
from vc_core.jsonio import DEFAULT_LIMITS
from verifier.oid4vp.identity import ClientIdentity, development_identity, load_identity
from verifier.oid4vp.service import Oid4vpConfig
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
    #: OpenID4VP: the origin wallets reach this service at (``https://verifier.example.jp``);
    #: None: ``audience``. Its host is the ``x509_san_dns`` client identifier, and the
    #: request-signing certificate must name it.
    public_url: str | None = Field(default=None, max_length=2048)
    #: The request-signing certificate chain (PEM, leaf first) and its P-256 key (PEM).
    #: In development, without them, a self-signed one is made in the data directory.
    oid4vp_certificate: FilePath | None = None
    oid4vp_key: FilePath | None = None
    oid4vp_client_id_prefix: Literal["x509_san_dns", "x509_hash"] = "x509_san_dns"
    oid4vp_transaction_ttl_seconds: int = Field(default=300, gt=0, le=3600)
    oid4vp_result_ttl_seconds: int = Field(default=1800, gt=0, le=7 * 24 * 3600)

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

    def oid4vp_config(self) -> Oid4vpConfig:
        """Where OpenID4VP answers and how long its transactions and verdicts live."""
        return Oid4vpConfig(
            public_url=(self.public_url or self.audience).rstrip("/"),
            prefix=self.oid4vp_client_id_prefix,
            transaction_ttl=timedelta(seconds=self.oid4vp_transaction_ttl_seconds),
            result_ttl=timedelta(seconds=self.oid4vp_result_ttl_seconds),
            allow_redirect_uri=self.environment == "development",
        )

    def oid4vp_identity(self, *, now: datetime | None = None) -> ClientIdentity:
        """The request-signing identity; ``oid4vp.not_configured`` when there is none. In
        development a self-signed one is made, valid from ``now`` (the service's clock)."""
        url = urlsplit(self.public_url or self.audience)
        if url.scheme not in ("https", "http") or not url.hostname:
            raise Oid4vpError(
                "oid4vp.not_configured", "public_url (or audience) must be an http(s) origin"
            )
        if self.oid4vp_certificate is not None and self.oid4vp_key is not None:
            return load_identity(self.oid4vp_certificate, self.oid4vp_key, url.hostname)
        if self.environment == "development":
            return development_identity(self.data_dir / "oid4vp", url.hostname, now=now)
        raise Oid4vpError(
            "oid4vp.not_configured", "set oid4vp_certificate and oid4vp_key (production)"
        )
