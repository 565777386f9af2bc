"""A small X.509 PKI for issuer certificates (``x5c``): a root, an issuing CA, and leaves.

The leaves are shaped like an SD-JWT VC issuer's signing certificate
(draft-ietf-oauth-sd-jwt-vc §3.5): an end entity with digitalSignature and the issuer's name
in its subjectAltName. Every certificate here is a test certificate; its names say so.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from issuer.certificates import key_usage
from vc_core.keys import SoftwareKey

__all__ = ["T0", "IssuerPki"]

T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


class IssuerPki:
    """A test root and issuing CA valid around ``T0``; :meth:`leaf` issues end entities."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _ca("Test Root", self.root_key, self.root_key, None)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = _ca("Test Issuing CA", self.ca_key, self.root_key, self.root)

    def leaf(
        self, key: SoftwareKey, names: list[x509.GeneralName], *, at: dt.datetime = T0
    ) -> x509.Certificate:
        """A leaf for ``key`` naming ``names``, valid from 30 days before ``at`` to 90 after."""
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test 看護師籍 issuer")])
        public = key.public_key
        assert isinstance(public, ec.EllipticCurvePublicKey)
        return (
            _base(subject, self.ca.subject, public, at)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage(ca=False), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), False
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    def x5c(self, leaf: x509.Certificate) -> list[str]:
        """The JOSE ``x5c`` of ``leaf``: standard base64 DER, leaf then issuing CA."""
        return [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in (leaf, self.ca)]

    @property
    def root_der(self) -> bytes:
        return self.root.public_bytes(Encoding.DER)

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(Encoding.PEM)


def _ca(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        _base(subject, issuer.subject if issuer else subject, key.public_key(), T0)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
        )
    return builder.sign(signer, hashes.SHA256())


def _base(
    subject: x509.Name, issuer: x509.Name, public: Any, at: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - dt.timedelta(days=30))
        .not_valid_after(at + dt.timedelta(days=90))
    )
