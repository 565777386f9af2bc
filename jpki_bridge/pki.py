"""A test PKI with the real JPKI profile (JPKI.md, "The certificates").

J-LIS's roots are never shipped; operators configure the ones they trust.
Tests, ``make demo`` and the emulator use roots made here instead: one
self-signed RSA-2048 root per purpose with the JPKI distinguished name, and a
test person's two certificates issued straight under them, shaped like a
card's:

- the user-authentication certificate: subject ``C=JP, CN=<opaque id>``,
  keyUsage digitalSignature (critical), policy ``1.2.392.200149.8.5.1.3.30``;
- the signing certificate: subject ``C=JP, L=…, L=…, CN=<opaque id>``,
  keyUsage digitalSignature + nonRepudiation (critical), policy
  ``1.2.392.200149.8.5.1.1.20``, and the four facts as subjectAltName
  otherNames (see :mod:`jpki_bridge.certs`);
- both: issuerAltName ``DirName:/C=JP/O=公的個人認証サービス``, a CRL
  distribution point that is a directory name (not a URL), authority and
  subject key identifiers, and validity up to the holder's fifth birthday
  after issue at 14:59:59Z (23:59:59 in Japan).

A person's certificate is valid from :data:`CERT_BACKDATE` (one hour) before it
is issued, as public CAs backdate ``notBefore`` (the CA/Browser Forum Baseline
Requirements §7.1.2.7 allow up to 48 hours): a verifier whose clock is a little
behind the CA's, or a story whose "now" was read just before the certificate
was made, must not see a certificate that is not yet valid.

:func:`make_test_pki` builds the whole set; :meth:`TestPki.save` writes it as
PEM files plus ``person.json`` (the test person, the test PINs and a test My
Number for the emulator's Kenhojo files), keys and ``person.json`` with mode
0600. Every certificate here is a *test* certificate: its names say so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from jpki_bridge.certs import (
    OID_ADDRESS,
    OID_ADDRESS_SUBSTITUTES,
    OID_BIRTH_DATE,
    OID_NAME,
    OID_NAME_SUBSTITUTES,
    OID_SEX,
    POLICY_AUTH,
    POLICY_SIGN,
    BirthDate,
    CertKind,
    Sex,
    encode_utf8_string,
)
from jpki_bridge.pin import Pin, PinKind
from vc_core.errors import CardError, InputError
from vc_core.jsonio import DEFAULT_LIMITS, read_json
from vc_core.mynumber import my_number_check_digit

__all__ = [
    "CERT_BACKDATE",
    "PkiKeys",
    "TestPerson",
    "TestPki",
    "expiry_at_fifth_birthday",
    "issue_person_certificate",
    "load_test_pki",
    "make_root",
    "make_test_pki",
    "my_number_check_digit",
    "root_name",
]

_ROOT_OU = {
    CertKind.AUTH: "JPKI for user authentication",
    CertKind.SIGN: "JPKI for digital signature",
}
# person.json is a few hundred bytes (read with the input boundary's strict JSON).
_PERSON_LIMITS = DEFAULT_LIMITS.with_max_bytes(64 * 1024)
_JLIS_OU = "Japan Agency for Local Authority Information Systems"
_CPS_URI = "http://www.jpki.go.jp/cps.html"

#: How long before its issue a person's certificate becomes valid (see the module).
CERT_BACKDATE: Final = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TestPerson:
    """The test holder whose facts go into the signing certificate and Kenhojo."""

    __test__: ClassVar[bool] = False  # Not a pytest test class, despite its name.

    name: str = "試験\u3000花子"
    birth_date: dt.date = dt.date(1990, 1, 2)
    sex: Sex = Sex.FEMALE
    address: str = "東京都千代田区霞が関二丁目１番２号"
    name_substitutes: str | None = None
    address_substitutes: str | None = None
    my_number: str = field(default="12345678901", repr=False)

    def __post_init__(self) -> None:
        if len(self.my_number) == 11:
            number = self.my_number + str(my_number_check_digit(self.my_number))
            object.__setattr__(self, "my_number", number)

    @property
    def name_flags(self) -> str:
        """Substitute flags of the name: one ``0`` per character unless given."""
        return self.name_substitutes if self.name_substitutes is not None else "0" * len(self.name)

    @property
    def address_flags(self) -> str:
        """Substitute flags of the address: one ``0`` per character unless given."""
        if self.address_substitutes is not None:
            return self.address_substitutes
        return "0" * len(self.address)

    def to_json(self) -> dict[str, Any]:
        """A JSON view (the test My Number included: it is test data for the emulator)."""
        return {
            "name": self.name,
            "birth_date": self.birth_date.isoformat(),
            "sex": int(self.sex),
            "address": self.address,
            "name_substitutes": self.name_flags,
            "address_substitutes": self.address_flags,
            "my_number": self.my_number,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestPerson:
        """Read :meth:`to_json` output back."""
        return cls(
            name=str(data["name"]),
            birth_date=dt.date.fromisoformat(str(data["birth_date"])),
            sex=Sex(int(data["sex"])),
            address=str(data["address"]),
            name_substitutes=str(data["name_substitutes"]),
            address_substitutes=str(data["address_substitutes"]),
            my_number=str(data["my_number"]),
        )


@dataclass(frozen=True, repr=False)
class PkiKeys:
    """The four RSA keys of a test PKI: the two roots' and the person's two.

    Making RSA keys is most of the cost of :func:`make_test_pki`; a test that builds many
    PKIs (the demo told 200 times) makes the keys once and issues fresh certificates each time.
    """

    auth_ca: rsa.RSAPrivateKey
    sign_ca: rsa.RSAPrivateKey
    auth: rsa.RSAPrivateKey
    sign: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> PkiKeys:
        """Four fresh RSA-2048 keys."""
        return cls(_new_rsa_key(), _new_rsa_key(), _new_rsa_key(), _new_rsa_key())

    def root(self, kind: CertKind) -> rsa.RSAPrivateKey:
        return self.auth_ca if kind is CertKind.AUTH else self.sign_ca

    def person(self, kind: CertKind) -> rsa.RSAPrivateKey:
        return self.auth if kind is CertKind.AUTH else self.sign

    def __repr__(self) -> str:
        return "PkiKeys(<hidden>)"


@dataclass(frozen=True, repr=False)
class TestPki:
    """Two test roots and one test person's keys and certificates, with the test PINs."""

    __test__: ClassVar[bool] = False  # Not a pytest test class, despite its name.

    auth_ca_cert: x509.Certificate
    auth_ca_key: rsa.RSAPrivateKey
    sign_ca_cert: x509.Certificate
    sign_ca_key: rsa.RSAPrivateKey
    auth_cert: x509.Certificate
    auth_key: rsa.RSAPrivateKey
    sign_cert: x509.Certificate
    sign_key: rsa.RSAPrivateKey
    person: TestPerson
    auth_pin: str = "1234"
    sign_pin: str = "ABC123"

    def __post_init__(self) -> None:
        # The PINs are checked for form here so that a test card is never provisioned
        # with a PIN the real card could not hold.
        Pin(PinKind.AUTH, self.auth_pin)
        Pin(PinKind.SIGN, self.sign_pin)

    def __repr__(self) -> str:
        return f"TestPki(auth={self.auth_cert.subject.rfc4514_string()!r}, pins=<hidden>)"

    def ca(self, kind: CertKind) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The root certificate and key of one purpose."""
        if kind is CertKind.AUTH:
            return self.auth_ca_cert, self.auth_ca_key
        return self.sign_ca_cert, self.sign_ca_key

    def end_entity(self, kind: CertKind) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The person's certificate and key of one purpose."""
        if kind is CertKind.AUTH:
            return self.auth_cert, self.auth_key
        return self.sign_cert, self.sign_key

    def replace(self, **changes: Any) -> TestPki:
        """A copy with some members replaced (a variant certificate for a negative test)."""
        return dataclasses.replace(self, **changes)

    def save(self, out: Path) -> None:
        """Write the PKI to a new directory ``out`` (``card.test_pki_invalid`` if it has files,
        or is a file, or cannot be written)."""
        out = Path(out)
        try:
            self._save(out)
        except OSError as exc:
            raise CardError(
                "card.test_pki_invalid", f"cannot write a test PKI to {out}: {exc.strerror}"
            ) from None

    def _save(self, out: Path) -> None:
        if out.is_dir() and any(out.iterdir()):
            raise CardError("card.test_pki_invalid", f"{out} is not empty; refusing to overwrite")
        out.mkdir(parents=True, exist_ok=True)
        for stem, cert, key in (
            ("auth-ca", self.auth_ca_cert, self.auth_ca_key),
            ("sign-ca", self.sign_ca_cert, self.sign_ca_key),
            ("auth", self.auth_cert, self.auth_key),
            ("sign", self.sign_cert, self.sign_key),
        ):
            (out / f"{stem}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            _write_private(out / f"{stem}.key.pem", _key_pem(key))
        person = {**self.person.to_json(), "auth_pin": self.auth_pin, "sign_pin": self.sign_pin}
        text = json.dumps(person, ensure_ascii=False, indent=2) + "\n"
        _write_private(out / "person.json", text.encode("utf-8"))


def load_test_pki(directory: Path) -> TestPki:
    """Read a directory written by :meth:`TestPki.save`."""
    directory = Path(directory)
    try:
        data = read_json(directory / "person.json", limits=_PERSON_LIMITS)
        parts: dict[str, Any] = {}
        for stem in ("auth-ca", "sign-ca", "auth", "sign"):
            attr = stem.replace("-", "_")
            parts[f"{attr}_cert"] = x509.load_pem_x509_certificate(
                (directory / f"{stem}.pem").read_bytes()
            )
            key = serialization.load_pem_private_key(
                (directory / f"{stem}.key.pem").read_bytes(), password=None
            )
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("not an RSA key")
            parts[f"{attr}_key"] = key
        return TestPki(
            person=TestPerson.from_json(data),
            auth_pin=str(data["auth_pin"]),
            sign_pin=str(data["sign_pin"]),
            **parts,
        )
    except (InputError, OSError, ValueError, KeyError, TypeError) as exc:
        detail = f" ({exc})" if isinstance(exc, InputError) else ""
        raise CardError(
            "card.test_pki_invalid", f"cannot read test PKI at {directory}{detail}"
        ) from exc


def root_name(kind: CertKind) -> x509.Name:
    """The JPKI root distinguished name for one purpose (shared by every generation)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _ROOT_OU[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _JLIS_OU),
        ]
    )


def make_root(
    kind: CertKind,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    key: rsa.RSAPrivateKey | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A self-signed RSA-2048 root with the JPKI DN; a new generation reuses the same DN."""
    key = key or _new_rsa_key()
    name = root_name(kind)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def expiry_at_fifth_birthday(birth: dt.date, issued: dt.datetime) -> dt.datetime:
    """The holder's fifth birthday after ``issued``, 14:59:59Z (JST midnight minus a second).

    A 29 February birthday falls on 28 February in a common year.
    """
    year = issued.year + 5
    try:
        day = birth.replace(year=year)
    except ValueError:
        day = dt.date(year, 2, 28)
    return dt.datetime(day.year, day.month, day.day, 14, 59, 59, tzinfo=dt.UTC)


def issue_person_certificate(
    kind: CertKind,
    person: TestPerson,
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    issued: dt.datetime,
    not_after: dt.datetime | None = None,
    key_usage: x509.KeyUsage | None = None,
    policy: x509.ObjectIdentifier | None = None,
    backdate: dt.timedelta = CERT_BACKDATE,
) -> x509.Certificate:
    """Issue the person's auth or sign certificate under ``ca_cert`` with the JPKI profile.

    The certificate is valid from ``backdate`` before ``issued`` until the holder's fifth
    birthday after ``issued``. ``not_after``, ``key_usage`` and ``policy`` override the
    profile, for negative tests only.
    """
    opaque = secrets.token_hex(12).upper()
    if kind is CertKind.AUTH:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.COMMON_NAME, opaque),
            ]
        )
    else:
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Tokyo-to"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Chiyoda-ku"),
                x509.NameAttribute(NameOID.COMMON_NAME, opaque),
            ]
        )
    usage = key_usage or _key_usage(digital_signature=True, non_repudiation=kind is CertKind.SIGN)
    chosen_policy = policy or (POLICY_SIGN if kind is CertKind.SIGN else POLICY_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(issued - backdate)
        .not_valid_after(not_after or expiry_at_fifth_birthday(person.birth_date, issued))
        .add_extension(usage, critical=True)
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(chosen_policy, [_CPS_URI])],
            ),
            critical=True,
        )
        .add_extension(_issuer_alt_name(), critical=False)
        .add_extension(_crl_distribution_point(kind), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if kind is CertKind.SIGN:
        builder = builder.add_extension(_four_facts_san(person), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def make_test_pki(
    person: TestPerson | None = None,
    *,
    now: dt.datetime | None = None,
    auth_pin: str = "1234",
    sign_pin: str = "ABC123",
    keys: PkiKeys | None = None,
) -> TestPki:
    """Two roots (valid ten years) and the person's certificates issued at ``now``.

    ``keys`` are fresh unless given (see :class:`PkiKeys`); the certificates always are.
    """
    person = person or TestPerson()
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    keys = keys or PkiKeys.generate()
    roots: dict[CertKind, tuple[x509.Certificate, rsa.RSAPrivateKey]] = {}
    for kind in CertKind:
        roots[kind] = make_root(
            kind,
            not_before=now - dt.timedelta(days=1),
            not_after=now + dt.timedelta(days=3650),
            key=keys.root(kind),
        )
    people: dict[CertKind, tuple[x509.Certificate, rsa.RSAPrivateKey]] = {}
    for kind in CertKind:
        key = keys.person(kind)
        ca_cert, ca_key = roots[kind]
        cert = issue_person_certificate(
            kind, person, ca_cert=ca_cert, ca_key=ca_key, key=key, issued=now
        )
        people[kind] = (cert, key)
    return TestPki(
        auth_ca_cert=roots[CertKind.AUTH][0],
        auth_ca_key=roots[CertKind.AUTH][1],
        sign_ca_cert=roots[CertKind.SIGN][0],
        sign_ca_key=roots[CertKind.SIGN][1],
        auth_cert=people[CertKind.AUTH][0],
        auth_key=people[CertKind.AUTH][1],
        sign_cert=people[CertKind.SIGN][0],
        sign_key=people[CertKind.SIGN][1],
        person=person,
        auth_pin=auth_pin,
        sign_pin=sign_pin,
    )


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_usage(
    *, digital_signature: bool = False, non_repudiation: bool = False, cert_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _issuer_alt_name() -> x509.IssuerAlternativeName:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公的個人認証サービス"),
        ]
    )
    return x509.IssuerAlternativeName([x509.DirectoryName(name)])


def _crl_distribution_point(kind: CertKind) -> x509.CRLDistributionPoints:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _ROOT_OU[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "CRL Distribution Points"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Tokyo-to"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Chiyoda-ku CRLDP"),
        ]
    )
    point = x509.DistributionPoint(
        full_name=[x509.DirectoryName(name)], relative_name=None, reasons=None, crl_issuer=None
    )
    return x509.CRLDistributionPoints([point])


def _four_facts_san(person: TestPerson) -> x509.SubjectAlternativeName:
    values = (
        (OID_NAME, person.name),
        (OID_BIRTH_DATE, BirthDate.of(person.birth_date).encode()),
        (OID_SEX, str(int(person.sex))),
        (OID_ADDRESS, person.address),
        (OID_NAME_SUBSTITUTES, person.name_flags),
        (OID_ADDRESS_SUBSTITUTES, person.address_flags),
    )
    return x509.SubjectAlternativeName(
        [x509.OtherName(oid, encode_utf8_string(text)) for oid, text in values]
    )


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
