"""Who the verifier is to a wallet: its client identifier and the certificate behind it.

OpenID4VP 1.0 §5.9 (client identifier prefixes). A signed request object carries the
verifier's certificate chain in ``x5c`` and its ``client_id`` names that certificate:

- ``x509_san_dns:<host>`` — the leaf's DNS subjectAltName is ``host``; a wallet checks that
  and that the ``response_uri`` is on the same host;
- ``x509_hash:<b64url(SHA-256(leaf DER))>`` — the leaf itself (HAIP's choice);
- ``redirect_uri:<response_uri>`` — no signature at all; development only.

In production the certificate chain and its P-256 key are files the operator configures
(``oid4vp_certificate`` / ``oid4vp_key`` in :class:`~verifier.http.settings.VerifierSettings`);
the leaf must name the host of the service's public URL. In development, when none is
configured, a self-signed certificate for that host is generated once into the data
directory, so ``shikaku serve verifier`` speaks OpenID4VP on a bare machine. A wallet that
checks trust chains (shikaku's does) trusts it only when told to: the certificate alone, no
key, is also written to ``development-certificate.pem`` in that folder
(:data:`DEVELOPMENT_CERTIFICATE`), the file to give ``shikaku wallet present
--verifier-roots``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vc_core.codecs import b64url_encode
from vc_core.errors import ConfigError, Oid4vpError
from vc_core.keys import SoftwareKey

__all__ = [
    "DEVELOPMENT_CERTIFICATE",
    "PREFIXES",
    "ClientIdentity",
    "Prefix",
    "development_identity",
    "load_identity",
    "x509_hash",
]

Prefix = Literal["x509_san_dns", "x509_hash", "redirect_uri"]
PREFIXES: Final = ("x509_san_dns", "x509_hash", "redirect_uri")
_DEV_FILE: Final = "development-identity.pem"
#: The development certificate alone (no key), for wallets to trust in development.
DEVELOPMENT_CERTIFICATE: Final = "development-certificate.pem"


def x509_hash(certificate: x509.Certificate) -> str:
    """§5.9.3: base64url (no padding) of the SHA-256 of the leaf certificate's DER."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return b64url_encode(hashlib.sha256(der).digest())


def _dns_names(certificate: x509.Certificate) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in san.value.get_values_for_type(x509.DNSName)]


@dataclass(frozen=True, repr=False)
class ClientIdentity:
    """The verifier's request-signing key, its certificate chain (leaf first) and its host."""

    key: SoftwareKey
    chain: tuple[x509.Certificate, ...]
    host: str

    def __repr__(self) -> str:
        return f"ClientIdentity(host={self.host!r}, x509_hash={x509_hash(self.chain[0])!r})"

    @property
    def x5c(self) -> list[str]:
        """RFC 7515 §4.1.6: standard base64 DER, leaf first."""
        return [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for c in self.chain
        ]

    def client_id(self, prefix: Prefix, response_uri: str) -> str:
        """The full ``client_id`` for ``prefix`` (the KB-JWT ``aud`` is exactly this)."""
        if prefix == "x509_san_dns":
            return f"x509_san_dns:{self.host}"
        if prefix == "x509_hash":
            return f"x509_hash:{x509_hash(self.chain[0])}"
        if prefix == "redirect_uri":
            return f"redirect_uri:{response_uri}"
        raise Oid4vpError("oid4vp.client_id_prefix", f"no client identifier prefix {prefix!r}")


def _check(key: SoftwareKey, chain: list[x509.Certificate], host: str) -> ClientIdentity:
    if not chain:
        raise ConfigError("config.invalid", "the OpenID4VP certificate file holds no certificate")
    leaf_key = chain[0].public_key()
    if not isinstance(leaf_key, ec.EllipticCurvePublicKey) or leaf_key.public_numbers() != (
        key.public_key.public_numbers()  # type: ignore[union-attr]
    ):
        raise ConfigError("config.invalid", "the OpenID4VP key is not the certificate's key")
    if key.algorithm != "ES256":
        raise ConfigError("config.invalid", "the OpenID4VP key must be P-256 (ES256)")
    if host not in _dns_names(chain[0]):
        raise ConfigError(
            "config.invalid",
            f"the OpenID4VP certificate has no DNS subjectAltName {host!r} "
            "(the host of the verifier's public URL)",
        )
    return ClientIdentity(key, tuple(chain), host)


def _load_key(path: Path) -> SoftwareKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError("config.invalid", f"cannot read the OpenID4VP key {path.name}") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ConfigError("config.invalid", "the OpenID4VP key must be an EC P-256 key")
    return SoftwareKey(private)


def load_identity(certificate: Path, key: Path, host: str) -> ClientIdentity:
    """The identity from a PEM certificate chain (leaf first) and a PEM P-256 key."""
    try:
        chain = x509.load_pem_x509_certificates(certificate.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            "config.invalid", f"cannot read the OpenID4VP certificate {certificate.name}"
        ) from exc
    return _check(_load_key(key), chain, host)


def development_identity(folder: Path, host: str, *, now: datetime | None = None) -> ClientIdentity:
    """A self-signed identity for ``host``, kept in ``folder`` (made on first use, and again
    when it expired or names another host).

    Key and certificate live in one file, published with a hard link that only the first of
    several starting processes (``uvicorn --workers``) can make, so every worker signs with
    the same certificate and an ``x509_hash`` client identifier is the same everywhere.
    """
    path = folder / _DEV_FILE
    moment = now or datetime.now(UTC)
    found = _read_development(path, host, moment)
    if found is not None:
        _publish_certificate(folder, found)
        return found
    folder.mkdir(parents=True, exist_ok=True)
    made = _self_signed(host, moment)
    temporary = folder / f".{_DEV_FILE}.{secrets.token_hex(8)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_pem(made))
    try:
        if path.exists():
            os.replace(temporary, path)  # Stale: expired, or for another host.
        else:
            os.link(temporary, path)  # The first process to get here wins.
    except FileExistsError:
        pass  # Another process won: use its identity.
    finally:
        temporary.unlink(missing_ok=True)
    identity = _read_development(path, host, moment) or made
    _publish_certificate(folder, identity)
    return identity


def _publish_certificate(folder: Path, identity: ClientIdentity) -> None:
    """Write the certificate to :data:`DEVELOPMENT_CERTIFICATE` unless it is there already
    (replaced whole, so a reader never sees half a file)."""
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in identity.chain)
    target = folder / DEVELOPMENT_CERTIFICATE
    try:
        if target.read_bytes() == pem:
            return
    except OSError:
        pass
    temporary = folder / f".{DEVELOPMENT_CERTIFICATE}.{secrets.token_hex(8)}"
    temporary.write_bytes(pem)
    os.replace(temporary, target)


def _pem(identity: ClientIdentity) -> bytes:
    key = identity.key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in identity.chain)


def _read_development(path: Path, host: str, now: datetime) -> ClientIdentity | None:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError("config.invalid", f"cannot read {path.name}") from exc
    marker = text.find(b"-----BEGIN CERTIFICATE-----")
    try:
        private = serialization.load_pem_private_key(text[:marker], password=None)
        chain = x509.load_pem_x509_certificates(text[marker:])
    except ValueError:
        return None  # Damaged: made again.
    if not isinstance(private, ec.EllipticCurvePrivateKey) or marker < 0:
        return None
    try:
        identity = _check(SoftwareKey(private), chain, host)
    except ConfigError:
        return None  # For another host: made again.
    return identity if identity.chain[0].not_valid_after_utc > now else None


def _self_signed(host: str, moment: datetime) -> ClientIdentity:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - timedelta(minutes=5))
        .not_valid_after(moment + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private, hashes.SHA256())
    )
    return ClientIdentity(SoftwareKey(private), (certificate,), host)
