"""The board's X.509 certificate, for the ``x5c`` of its SD-JWT VC issuer signatures.

draft-ietf-oauth-sd-jwt-vc §3.5 lets a wallet or verifier find the issuer's key in the JWT
header's ``x5c``: a chain to a root it trusts whose leaf names the issuer. shikaku's verifier
(:mod:`verifier.issuer_keys`) accepts a leaf whose subjectAltName holds a ``dNSName`` equal
to the host of an https ``iss``, or a ``uniformResourceIdentifier`` equal to ``iss``. A
board's SD-JWT VCs name its DID as ``iss``, so the board's leaf certifies the board's signing
key and names both its ``public_url`` host (``dNSName``, or ``iPAddress`` for an address) and
its DID (``uniformResourceIdentifier``).

Production: ``certificate_chain`` names a PEM file, leaf first, issued by the board's CA; its
leaf must certify the board's signing key. Development without one: the board makes a CA
(``issuer-ca.pem``, its key ``issuer-ca-key.pem``, mode 0600) and a leaf
(``issuer-certificate.pem``) in its data directory on first start, and a new leaf whenever
the signing key or the names change or the leaf nears its end. Verifiers that should accept
the ``x5c`` list the CA among the board's ``x509_roots`` in their trust registry.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from issuer.settings import IssuerSettings
from vc_core.errors import ConfigError
from vc_core.keys import AnyPublicKey, public_jwk

__all__ = ["board_x5c", "key_usage", "leaf_names"]

_LEAF_DAYS = 365
_CA_DAYS = 3650
_RENEW_BEFORE = dt.timedelta(days=30)


def leaf_names(public_url: str, did: str) -> list[x509.GeneralName]:
    """The subjectAltName of the board's leaf: its host and its DID (see the module)."""
    host = urlsplit(public_url).hostname or ""
    names: list[x509.GeneralName] = []
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    names.append(x509.UniformResourceIdentifier(did))
    return names


def board_x5c(
    settings: IssuerSettings, key: AnyPublicKey, did: str, now: dt.datetime
) -> tuple[str, ...]:
    """The ``x5c`` (standard base64 DER, leaf first) the board's JWTs carry."""
    if settings.certificate_chain is not None:
        chain = x509.load_pem_x509_certificates(settings.certificate_chain.read_bytes())
        if not chain or public_jwk(chain[0].public_key()) != public_jwk(key):  # type: ignore[arg-type]
            raise ConfigError(
                "config.invalid", "certificate_chain: its leaf does not certify the signing key"
            )
    elif settings.environment == "development":
        chain = [_development_leaf(settings.data_dir, key, did, settings.public_url, now)]
    else:
        return ()
    return tuple(
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain
    )


def _development_leaf(
    folder: Path, key: AnyPublicKey, did: str, public_url: str, now: dt.datetime
) -> x509.Certificate:
    ca, ca_key = _development_ca(folder, now)
    path = folder / "issuer-certificate.pem"
    names = leaf_names(public_url, did)
    if path.is_file():
        leaf = x509.load_pem_x509_certificate(path.read_bytes())
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if (
            public_jwk(leaf.public_key()) == public_jwk(key)  # type: ignore[arg-type]
            and list(san) == names
            and leaf.issuer == ca.subject
            and leaf.not_valid_after_utc - _RENEW_BEFORE > now
        ):
            return leaf
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shikaku development board")])
    leaf = (
        _builder(subject, ca.subject, key, now, _LEAF_DAYS)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    return leaf


def _development_ca(
    folder: Path, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = folder / "issuer-ca.pem", folder / "issuer-ca-key.pem"
    if cert_path.is_file() and key_path.is_file():
        loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(loaded, ec.EllipticCurvePrivateKey):
            return x509.load_pem_x509_certificate(cert_path.read_bytes()), loaded
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shikaku development board CA")])
    ca = (
        _builder(subject, subject, key.public_key(), now, _CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    cert_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return ca, key


def _builder(
    subject: x509.Name, issuer: x509.Name, key: AnyPublicKey, now: dt.datetime, days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def key_usage(*, ca: bool) -> x509.KeyUsage:
    """keyCertSign and cRLSign for a CA, digitalSignature for an end entity (RFC 5280)."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
