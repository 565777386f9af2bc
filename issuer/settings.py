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
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, FilePath, SecretStr

from service_kit.settings import SECRET, ServiceSettings
from vc_core.jsonio import DEFAULT_LIMITS

__all__ = ["IssuerSettings"]


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
    #: How often the lifecycle scheduler applies due suspensions and republishes stale lists.
    lifecycle_tick_seconds: float = Field(default=60.0, gt=0, le=86_400)

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
