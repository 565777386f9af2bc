"""The JPKI certificate profile: kinds, policies and the four facts (JPKI.md, "The certificates").

Both end-entity certificates are RSA-2048 with sha256WithRSAEncryption,
issued straight under a per-purpose root. The user-authentication
(利用者証明用) certificate names the holder only by an opaque ``CN``; the
signing (署名用) certificate carries the *four facts* (基本4情報) as
subjectAltName ``otherName`` entries, each ``[0] { OID, [0] EXPLICIT
UTF8String }``:

==========================  =============================================
``1.2.392.200149.8.5.5.1``  name; family and given name separated by U+3000
``1.2.392.200149.8.5.5.2``  name substitute-character flags
``1.2.392.200149.8.5.5.3``  sex: ``1`` male, ``2`` female, ``3`` other
``1.2.392.200149.8.5.5.4``  birth date ``EYYYYMMDD``: era digit + Gregorian date
``1.2.392.200149.8.5.5.5``  address
``1.2.392.200149.8.5.5.6``  address substitute-character flags
==========================  =============================================

The era digit is 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, 0 unknown; the eight
digits after it are the Gregorian date, not a year of the era. The
substitute flags are kept as the digit strings the certificate carries; a
digit other than ``0`` means a character was replaced by a substitute
because it is outside the JIS levels J-LIS can print *(unverified: J-LIS's
profile is not public)*.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ObjectIdentifier

from vc_core.codecs import b64url_encode
from vc_core.errors import CardError

__all__ = [
    "OID_ADDRESS",
    "OID_ADDRESS_SUBSTITUTES",
    "OID_BIRTH_DATE",
    "OID_NAME",
    "OID_NAME_SUBSTITUTES",
    "OID_SEX",
    "POLICY_AUTH",
    "POLICY_SIGN",
    "POLICY_TEST",
    "BirthDate",
    "CertKind",
    "Era",
    "FourFacts",
    "Sex",
    "cert_kind",
    "decode_utf8_string",
    "encode_utf8_string",
    "four_facts",
    "load_certificate",
    "rsa_public_key",
    "x5t_s256",
]

OID_NAME = ObjectIdentifier("1.2.392.200149.8.5.5.1")
OID_NAME_SUBSTITUTES = ObjectIdentifier("1.2.392.200149.8.5.5.2")
OID_SEX = ObjectIdentifier("1.2.392.200149.8.5.5.3")
OID_BIRTH_DATE = ObjectIdentifier("1.2.392.200149.8.5.5.4")
OID_ADDRESS = ObjectIdentifier("1.2.392.200149.8.5.5.5")
OID_ADDRESS_SUBSTITUTES = ObjectIdentifier("1.2.392.200149.8.5.5.6")

#: Certificate policy of the signing certificate (署名用).
POLICY_SIGN = ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
#: Certificate policy of the user-authentication certificate (利用者証明用).
POLICY_AUTH = ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
#: Certificate policy of J-LIS's test environment.
POLICY_TEST = ObjectIdentifier("1.2.392.200149.8.5.1.0.20")


class CertKind(enum.Enum):
    """Which of the card's two certificates (and keys) this is."""

    AUTH = "auth"
    SIGN = "sign"


class Era(enum.IntEnum):
    """The era digit of a JPKI birth date."""

    UNKNOWN = 0
    MEIJI = 1
    TAISHO = 2
    SHOWA = 3
    HEISEI = 4
    REIWA = 5

    @property
    def name_ja(self) -> str:
        """The era's name in Japanese."""
        return ("不明", "明治", "大正", "昭和", "平成", "令和")[self.value]

    @classmethod
    def of(cls, day: dt.date) -> Era:
        """The era a Gregorian date falls in (明治 from 1868-10-23)."""
        for era, first in _ERA_STARTS:
            if day >= first:
                return era
        return cls.UNKNOWN


_ERA_STARTS = (
    (Era.REIWA, dt.date(2019, 5, 1)),
    (Era.HEISEI, dt.date(1989, 1, 8)),
    (Era.SHOWA, dt.date(1926, 12, 25)),
    (Era.TAISHO, dt.date(1912, 7, 30)),
    (Era.MEIJI, dt.date(1868, 10, 23)),
)


class Sex(enum.IntEnum):
    """The sex code of the four facts."""

    MALE = 1
    FEMALE = 2
    OTHER = 3


@dataclass(frozen=True)
class BirthDate:
    """A JPKI birth date: the era digit and the Gregorian date."""

    era: Era
    date: dt.date

    def encode(self) -> str:
        """The ``EYYYYMMDD`` form the certificate carries."""
        return f"{self.era.value}{self.date:%Y%m%d}"

    @classmethod
    def decode(cls, text: str) -> BirthDate:
        """Parse ``EYYYYMMDD``; raise ``card.cert_invalid`` on anything else."""
        if len(text) != 9 or not text.isascii() or not text.isdigit() or int(text[0]) > 5:
            raise CardError("card.cert_invalid", "birth date is not EYYYYMMDD")
        try:
            day = dt.date(int(text[1:5]), int(text[5:7]), int(text[7:9]))
        except ValueError as exc:
            raise CardError("card.cert_invalid", "birth date is not a calendar date") from exc
        return cls(Era(int(text[0])), day)

    @classmethod
    def of(cls, day: dt.date) -> BirthDate:
        """The birth date with the era digit its date falls in."""
        return cls(Era.of(day), day)


@dataclass(frozen=True)
class FourFacts:
    """The basic four facts (基本4情報) of a signing certificate, with the substitute flags."""

    name: str
    birth_date: BirthDate
    sex: Sex
    address: str
    name_substitutes: str = ""
    address_substitutes: str = ""

    @property
    def family_name(self) -> str:
        """The name before the ideographic space (U+3000), or the whole name."""
        return self.name.split("\u3000", 1)[0]

    @property
    def given_name(self) -> str:
        """The name after the ideographic space (U+3000), or ``""``."""
        parts = self.name.split("\u3000", 1)
        return parts[1] if len(parts) == 2 else ""

    @property
    def has_substitutes(self) -> bool:
        """Whether the name or the address uses a substitute character."""
        return any(c != "0" for c in self.name_substitutes + self.address_substitutes)


def load_certificate(data: bytes) -> x509.Certificate:
    """Parse a DER or PEM certificate; raise ``card.cert_invalid``."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CardError("card.cert_invalid", "not an X.509 certificate") from exc


def rsa_public_key(cert: x509.Certificate) -> rsa.RSAPublicKey:
    """The certificate's RSA public key (every JPKI key is RSA-2048); ``card.cert_invalid``."""
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CardError("card.cert_invalid", "JPKI keys are RSA")
    return key


def x5t_s256(cert: x509.Certificate) -> str:
    """The certificate's ``x5t#S256``: base64url SHA-256 of its DER (RFC 7515 §4.1.8)."""
    return b64url_encode(hashlib.sha256(cert.public_bytes(Encoding.DER)).digest())


def cert_kind(cert: x509.Certificate) -> CertKind:
    """Whether a JPKI end-entity certificate is the auth or the sign one, by its policy.

    Falls back to key usage (nonRepudiation means sign) when the policy is
    neither production OID, as in J-LIS's test environment.
    """
    policies = _policies(cert)
    if POLICY_SIGN in policies:
        return CertKind.SIGN
    if POLICY_AUTH in policies:
        return CertKind.AUTH
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise CardError("card.cert_invalid", "no JPKI policy and no key usage") from exc
    return CertKind.SIGN if usage.content_commitment else CertKind.AUTH


def four_facts(cert: x509.Certificate) -> FourFacts:
    """Decode the four facts from a signing certificate's subjectAltName otherNames."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise CardError("card.cert_invalid", "no subjectAltName: not a sign cert") from exc
    except ValueError as exc:
        raise CardError("card.cert_invalid", "malformed subjectAltName") from exc
    values: dict[ObjectIdentifier, str] = {}
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id in values:
            oid = other.type_id.dotted_string
            raise CardError("card.cert_invalid", f"repeated otherName {oid}")
        values[other.type_id] = decode_utf8_string(other.value)
    missing = [
        o.dotted_string for o in (OID_NAME, OID_BIRTH_DATE, OID_SEX, OID_ADDRESS) if o not in values
    ]
    if missing:
        raise CardError("card.cert_invalid", f"missing otherName {', '.join(missing)}")
    sex_text = values[OID_SEX]
    if sex_text not in ("1", "2", "3"):
        raise CardError("card.cert_invalid", "sex is not 1, 2 or 3")
    return FourFacts(
        name=values[OID_NAME],
        birth_date=BirthDate.decode(values[OID_BIRTH_DATE]),
        sex=Sex(int(sex_text)),
        address=values[OID_ADDRESS],
        name_substitutes=values.get(OID_NAME_SUBSTITUTES, ""),
        address_substitutes=values.get(OID_ADDRESS_SUBSTITUTES, ""),
    )


def encode_utf8_string(text: str) -> bytes:
    """DER ``UTF8String`` (tag 0C) of ``text``: the value an otherName wraps."""
    body = text.encode("utf-8")
    if len(body) < 0x80:
        return b"\x0c" + bytes([len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return b"\x0c" + bytes([0x80 | len(size)]) + size + body


def decode_utf8_string(der: bytes) -> str:
    """Decode a DER ``UTF8String`` (or ``PrintableString``); raise ``card.cert_invalid``."""
    if len(der) < 2 or der[0] not in (0x0C, 0x13):
        raise CardError("card.cert_invalid", "otherName value is not a UTF8String")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 2 or len(der) < 2 + count:
            raise CardError("card.cert_invalid", "bad DER length in otherName")
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    if offset + length != len(der):
        raise CardError("card.cert_invalid", "bad DER length in otherName")
    try:
        return der[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardError("card.cert_invalid", "otherName value is not UTF-8") from exc


def _policies(cert: x509.Certificate) -> set[ObjectIdentifier]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return set()
    except ValueError as exc:
        raise CardError("card.cert_invalid", "malformed certificate policies") from exc
    return {p.policy_identifier for p in ext}
