"""The issuer service's settings: who the board is, where it publishes, which key it signs with.

:class:`IssuerSettings` extends :class:`service_kit.settings.ServiceSettings` (data directory,
database, environment; ``SHIKAKU_*`` variables and an optional TOML file). ``public_url`` is
the board's HTTPS origin: status lists are published under it, and with ``did_method = "web"``
the board's DID is ``did:web`` of its host. ``name`` is the licensing authority as holders and
employers read it (厚生労働大臣).

The signing key (:mod:`issuer.keys`): ``signing_key`` names a key file — an encrypted PKCS#8
PEM (opened with ``signing_key_passphrase``, or a passphrase the CLI asks for) or a private
JWK — or ``pkcs11_module``, ``pkcs11_token``, ``pkcs11_key_label`` and ``pkcs11_pin`` name a
key on a PKCS#11 token. In ``development`` with neither, the board makes a key in its data
directory on first start (so ``make demo`` and ``shikaku serve`` run on a bare machine); in
production a board without a key refuses to start. ``pkcs11_pin`` is kept hidden like every
secret but is not held to the 32-character rule of :mod:`service_kit.settings`: a token fixes
its own PIN format, and locks itself after a few wrong PINs.

Enrolment with the My Number Card (:mod:`issuer.enrolment`): ``jpki_anchors`` are the JPKI
root certificates (PEM or DER files) the board trusts; ``jpki_crl`` and ``jpki_ocsp`` the
revocation sources it asks (CRL files or URLs, OCSP responder URLs), in order;
``jpki_revocation_required`` (default: outside development) refuses an enrolment no source
could check. ``enrolment_secret`` keys the HMAC that links an enrolment to its certificate
without storing the certificate.

Issuer instances (``instances``): the HTTP service answers VC-API issue requests at
``/instances/{name}/credentials/issue`` for each configured instance — a name, a Data
Integrity suite, its key type (P-256 for the ECDSA suites, Ed25519 for EdDSA), its DID method
and its key file. An instance whose key type and DID method are the board's and that names no
key of its own signs with the board's key. In development, with none configured, the three
suites are served by ``ecdsa``, ``ecdsa-sd`` and ``eddsa`` on did:key.

Admin API keys (``api_keys``): each is a name, the SHA-256 (hex) of the key and the scopes it
grants (:data:`SCOPES`). Only the hash is kept: the key itself is a secret the operator hands
to the caller. Outside development the well-known development key is refused, as every
placeholder secret is; in development, with none configured, that key holds every scope.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, model_validator

from service_kit.settings import SECRET, ServiceSettings
from vc_core.errors import ConfigError
from vc_core.jsonio import DEFAULT_LIMITS

__all__ = [
    "DEVELOPMENT_API_KEY",
    "SCOPES",
    "ApiKey",
    "InstanceSettings",
    "IssuerSettings",
    "api_key_hash",
]

Suite = Literal["ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-sd-2023"]
KeyType = Literal["P-256", "Ed25519"]

#: The scopes an admin API key may grant: status changes (``POST /credentials/status``),
#: register import, lifecycle orders and issuance.
SCOPES: Final = ("status:write", "register:write", "lifecycle:write", "issue")

#: The key a development service accepts when no key is configured (never elsewhere).
DEVELOPMENT_API_KEY: Final = "shikaku-development-admin-key-not-for-production-use"

_SUITE_KEYS: Final[dict[str, KeyType]] = {
    "ecdsa-rdfc-2019": "P-256",
    "ecdsa-sd-2023": "P-256",
    "eddsa-rdfc-2022": "Ed25519",
}


def api_key_hash(key: str) -> str:
    """The SHA-256 (hex) of an API key, as ``api_keys`` keep it."""
    return hashlib.sha256(key.encode()).hexdigest()


class InstanceSettings(BaseModel):
    """One issuer instance of the HTTP service (see the module)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    suite: Suite
    key_type: KeyType | None = None
    did_method: Literal["key", "web"] = "key"
    signing_key: FilePath | None = None
    status: bool = True

    @model_validator(mode="after")
    def _key_fits_suite(self) -> Self:
        if self.key_type is not None and self.key_type != _SUITE_KEYS[self.suite]:
            raise ValueError(f"{self.suite} signs with a {_SUITE_KEYS[self.suite]} key")
        return self

    @property
    def key(self) -> KeyType:
        """The instance's key type (the suite's when not given)."""
        return self.key_type or _SUITE_KEYS[self.suite]


class ApiKey(BaseModel):
    """An admin API key: its name (for the logs), the SHA-256 of the key, its scopes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: frozenset[Literal["status:write", "register:write", "lifecycle:write", "issue"]]


DEVELOPMENT_INSTANCES: Final = (
    InstanceSettings(name="ecdsa", suite="ecdsa-rdfc-2019"),
    InstanceSettings(name="ecdsa-sd", suite="ecdsa-sd-2023"),
    InstanceSettings(name="eddsa", suite="eddsa-rdfc-2022"),
)


class IssuerSettings(ServiceSettings):
    """What ``shikaku serve issuer`` and :func:`issuer.board.open_board` start from."""

    public_url: str = Field(default="http://127.0.0.1:8100", min_length=1, max_length=2048)
    name: str = Field(default="厚生労働大臣", min_length=1, max_length=200)
    did_method: Literal["key", "web"] = "key"
    signing_key: FilePath | None = None
    signing_key_passphrase: Annotated[SecretStr | None, SECRET] = None
    pkcs11_module: FilePath | None = None
    pkcs11_token: str | None = Field(default=None, min_length=1, max_length=32)
    pkcs11_key_label: str | None = Field(default=None, min_length=1, max_length=256)
    pkcs11_pin: SecretStr | None = None
    jpki_anchors: tuple[FilePath, ...] = ()
    jpki_crl: tuple[str, ...] = ()
    jpki_ocsp: tuple[str, ...] = ()
    jpki_revocation_required: bool | None = None
    enrolment_secret: Annotated[SecretStr | None, SECRET] = None
    status_list_size: int = Field(default=131_072, ge=131_072, le=16 * 1024 * 1024)
    status_purposes: tuple[str, ...] = ("revocation", "suspension")
    #: How long a verifier or a CDN may cache a status list (its ``ttl`` and ``max-age``): a
    #: suspension reaches employers within this time. Five minutes by default.
    status_list_ttl_seconds: int = Field(default=300, ge=1, le=86_400)
    max_body_bytes: int = Field(default=DEFAULT_LIMITS.max_bytes, gt=0, le=64 * 1024 * 1024)
    # OpenID4VCI 1.0 (issuer.oid4vci): lifetimes in seconds, the transaction code's shape and
    # tries, the largest batch one credential request may ask for, the ldp_vc cryptosuite.
    oid4vci_offer_ttl: int = Field(default=900, ge=60, le=7 * 24 * 3600)
    oid4vci_token_ttl: int = Field(default=300, ge=30, le=3600)
    oid4vci_nonce_ttl: int = Field(default=300, ge=30, le=3600)
    oid4vci_tx_code_length: int = Field(default=6, ge=4, le=10)
    oid4vci_tx_code_attempts: int = Field(default=5, ge=1, le=20)
    oid4vci_batch_size: int = Field(default=10, ge=1, le=100)
    oid4vci_ldp_cryptosuite: Literal["ecdsa-sd-2023", "ecdsa-rdfc-2019"] = "ecdsa-sd-2023"
    #: Whose keys may hold a credential: ``enrolled`` (only keys the subject enrolled with the
    #: My Number Card), ``any`` (any ES256 or RS256 key: development and conformance tests
    #: only). None: ``enrolled``, except in development.
    oid4vci_holders: Literal["enrolled", "any"] | None = None
    #: How often the lifecycle scheduler applies due suspensions and republishes stale lists.
    lifecycle_tick_seconds: float = Field(default=60.0, gt=0, le=86_400)
    issue_suite: Suite = "ecdsa-rdfc-2019"
    instances: tuple[InstanceSettings, ...] = ()
    api_keys: tuple[ApiKey, ...] = ()
    #: How long a retired key stays in the did:web document (None: for good, as a licence
    #: issued without ``validUntil`` never expires).
    retired_key_days: int | None = Field(default=None, gt=0)
    #: ``x5c`` on the board's SD-JWT VC (``dc+sd-jwt``) signatures (draft-ietf-oauth-sd-jwt-vc
    #: §3.5, HAIP): off until the verifiers it serves trust the board's CA, because a verifier
    #: that finds an ``x5c`` judges the key by it alone (:mod:`issuer.certificates`).
    sd_jwt_x5c: bool = False
    #: The board's certificate chain (PEM, leaf first; the leaf certifies the signing key). In
    #: development, without it, the board makes a CA and a leaf in its data directory.
    certificate_chain: FilePath | None = None

    @model_validator(mode="after")
    def _instances_and_keys(self) -> Self:
        names = [instance.name for instance in self.instances]
        if len(set(names)) != len(names):
            raise ValueError("instances: two instances share a name")
        if self.environment != "development":
            development = api_key_hash(DEVELOPMENT_API_KEY)
            if any(key.sha256 == development for key in self.api_keys):
                raise ConfigError(
                    "config.secret_placeholder",
                    "api_keys: the development key is a placeholder; make a random key",
                    setting="api_keys",
                )
            if self.oid4vci_holders == "any":
                raise ConfigError(
                    "config.invalid",
                    'oid4vci_holders: "any" lets any key hold a licence; only in development',
                    setting="oid4vci_holders",
                )
        return self

    @property
    def issuer_instances(self) -> tuple[InstanceSettings, ...]:
        """The configured instances, or in development the three suites on did:key."""
        if self.instances or self.environment != "development":
            return self.instances
        return DEVELOPMENT_INSTANCES

    @property
    def admin_keys(self) -> tuple[ApiKey, ...]:
        """The configured API keys, or in development the development key with every scope."""
        if self.api_keys or self.environment != "development":
            return self.api_keys
        return (
            ApiKey(
                name="development",
                sha256=api_key_hash(DEVELOPMENT_API_KEY),
                scopes=frozenset(SCOPES),
            ),
        )

    @property
    def status_base_url(self) -> str:
        """Where the board's status lists are served: ``{public_url}/status``."""
        return self.public_url.rstrip("/") + "/status"

    @property
    def revocation_required(self) -> bool:
        """Whether an enrolment must be checked by a revocation source (default: outside
        development)."""
        if self.jpki_revocation_required is not None:
            return self.jpki_revocation_required
        return self.environment != "development"

    @property
    def development_key_path(self) -> Path:
        """The key a development board makes for itself when none is named."""
        return self.data_dir / "issuer-signing-key.jwk"

    def instance_key_path(self, name: str) -> Path:
        """The key a development instance makes for itself when none is named."""
        return self.data_dir / f"issuer-instance-{name}.jwk"
