"""The test PKI follows the JPKI profile; the four facts decode (JPKI.md, "The certificates")."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from jpki_bridge.certs import (
    POLICY_AUTH,
    POLICY_SIGN,
    BirthDate,
    CertKind,
    Era,
    Sex,
    cert_kind,
    decode_utf8_string,
    encode_utf8_string,
    four_facts,
    x5t_s256,
)
from jpki_bridge.pki import (
    CERT_BACKDATE,
    PkiKeys,
    TestPerson,
    TestPki,
    expiry_at_fifth_birthday,
    load_test_pki,
    make_test_pki,
    my_number_check_digit,
)
from vc_core.errors import CardError


def test_four_facts_decode_from_the_sign_certificate(pki: TestPki) -> None:
    facts = four_facts(pki.sign_cert)
    assert facts.name == "試験\u3000花子"
    assert (facts.family_name, facts.given_name) == ("試験", "花子")
    assert facts.birth_date == BirthDate(Era.HEISEI, dt.date(1990, 1, 2))
    assert facts.birth_date.encode() == "419900102"
    assert facts.sex is Sex.FEMALE
    assert facts.address == "東京都千代田区霞が関二丁目１番２号"
    assert facts.name_substitutes == "00000"
    assert not facts.has_substitutes


def test_four_facts_carry_era_digits_and_substitute_flags() -> None:
    person = TestPerson(
        name="髙橋\u3000一郎",
        birth_date=dt.date(1980, 2, 17),
        sex=Sex.MALE,
        address="大阪府大阪市北区中之島一丁目３番２０号",
        name_substitutes="10000",
    )
    pki = make_test_pki(person)
    facts = four_facts(pki.sign_cert)
    assert facts.birth_date.era is Era.SHOWA
    assert facts.birth_date.encode() == "319800217"
    assert facts.given_name == "一郎"
    assert facts.has_substitutes
    assert facts.sex is Sex.MALE


@pytest.mark.parametrize(
    ("day", "era", "encoded"),
    [
        (dt.date(1868, 10, 22), Era.UNKNOWN, "018681022"),
        (dt.date(1868, 10, 23), Era.MEIJI, "118681023"),
        (dt.date(1912, 7, 30), Era.TAISHO, "219120730"),
        (dt.date(1926, 12, 25), Era.SHOWA, "319261225"),
        (dt.date(1989, 1, 7), Era.SHOWA, "319890107"),
        (dt.date(1989, 1, 8), Era.HEISEI, "419890108"),
        (dt.date(2019, 5, 1), Era.REIWA, "520190501"),
    ],
)
def test_era_digit_boundaries(day: dt.date, era: Era, encoded: str) -> None:
    assert BirthDate.of(day).era is era
    assert BirthDate.of(day).encode() == encoded
    assert BirthDate.decode(encoded) == BirthDate(era, day)


@pytest.mark.parametrize("bad", ["19900102", "619900102", "419901302", "4199001O2", ""])
def test_malformed_birth_dates_are_refused(bad: str) -> None:
    with pytest.raises(CardError) as caught:
        BirthDate.decode(bad)
    assert caught.value.code == "card.cert_invalid"


def test_auth_certificate_has_no_personal_data(pki: TestPki) -> None:
    subject = pki.auth_cert.subject
    assert {a.oid for a in subject} == {NameOID.COUNTRY_NAME, NameOID.COMMON_NAME}
    with pytest.raises(x509.ExtensionNotFound):
        pki.auth_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    with pytest.raises(CardError) as caught:
        four_facts(pki.auth_cert)
    assert caught.value.code == "card.cert_invalid"


@pytest.mark.parametrize("kind", list(CertKind))
def test_end_entity_profile(pki: TestPki, kind: CertKind) -> None:
    cert, key = pki.end_entity(kind)
    ca_cert, _ = pki.ca(kind)
    assert key.key_size == 2048
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    assert cert_kind(cert) is kind
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment is (kind is CertKind.SIGN)
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    expected = POLICY_SIGN if kind is CertKind.SIGN else POLICY_AUTH
    assert [p.policy_identifier for p in policies] == [expected]
    ian = cert.extensions.get_extension_for_class(x509.IssuerAlternativeName).value
    (dirname,) = ian.get_values_for_type(x509.DirectoryName)
    assert dirname.rfc4514_string() == "O=公的個人認証サービス,C=JP"
    crldp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crldp[0].full_name is not None
    assert isinstance(crldp[0].full_name[0], x509.DirectoryName)
    assert cert.not_valid_after_utc.time() == dt.time(14, 59, 59)
    issued = cert.not_valid_before_utc + CERT_BACKDATE
    assert cert.not_valid_after_utc.date() == pki.person.birth_date.replace(year=issued.year + 5)
    assert cert.issuer == ca_cert.subject
    cert.verify_directly_issued_by(ca_cert)


def test_roots_share_the_jpki_dn_profile(pki: TestPki) -> None:
    auth_root = pki.auth_ca_cert.subject.rfc4514_string()
    assert auth_root == (
        "OU=Japan Agency for Local Authority Information Systems,"
        "OU=JPKI for user authentication,O=JPKI,C=JP"
    )
    assert "JPKI for digital signature" in pki.sign_ca_cert.subject.rfc4514_string()
    constraints = pki.auth_ca_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca


def test_fifth_birthday_expiry() -> None:
    issued = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert expiry_at_fifth_birthday(dt.date(1990, 1, 2), issued) == dt.datetime(
        2029, 1, 2, 14, 59, 59, tzinfo=dt.UTC
    )
    assert expiry_at_fifth_birthday(dt.date(2000, 2, 29), issued) == dt.datetime(
        2029, 2, 28, 14, 59, 59, tzinfo=dt.UTC
    )


def test_certificates_are_backdated_and_valid_at_the_moment_of_issue() -> None:
    # A story that reads "now" and then makes its PKI a moment later (the demo, a test) must
    # find the certificate valid at that "now": notBefore is an hour before issue, even when
    # the issue falls on a second, day and year boundary.
    issued = dt.datetime(2027, 1, 1, 0, 0, 0, 999_999, tzinfo=dt.UTC)
    keys = PkiKeys.generate()
    pki = make_test_pki(now=issued, keys=keys)
    for cert in (pki.auth_cert, pki.sign_cert):
        assert cert.not_valid_before_utc == dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)
        assert cert.not_valid_after_utc.year == 2032  # Five birthdays after the issue, not 2031.
    # The same keys make a new PKI with new certificates: only the RSA keys are reused.
    again = make_test_pki(now=issued + dt.timedelta(days=1), keys=keys)
    assert again.auth_key is pki.auth_key and again.auth_cert != pki.auth_cert
    assert "hidden" in repr(keys)


def test_openssl_reads_the_profile_and_verifies_the_chain(pki: TestPki, tmp_path: Path) -> None:
    out = tmp_path / "pki"
    pki.save(out)
    text = subprocess.run(
        ["openssl", "x509", "-in", out / "sign.pem", "-noout", "-text"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "othername: 1.2.392.200149.8.5.5.1::試験\u3000花子" in text
    assert "othername: 1.2.392.200149.8.5.5.4::419900102" in text
    assert "Digital Signature, Non Repudiation" in text
    for kind in ("auth", "sign"):
        result = subprocess.run(
            ["openssl", "verify", "-CAfile", out / f"{kind}-ca.pem", out / f"{kind}.pem"],
            check=False,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith(": OK")


def test_saved_pki_round_trips_with_private_modes(pki: TestPki, tmp_path: Path) -> None:
    out = tmp_path / "pki"
    pki.save(out)
    for name in ("auth.key.pem", "sign.key.pem", "auth-ca.key.pem", "person.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    loaded = load_test_pki(out)
    assert loaded.sign_cert == pki.sign_cert
    assert loaded.person.to_json() == pki.person.to_json()
    assert (loaded.auth_pin, loaded.sign_pin) == ("1234", "ABC123")
    assert "1234" not in repr(loaded)
    with pytest.raises(CardError) as caught:
        pki.save(out)
    assert caught.value.code == "card.test_pki_invalid"
    with pytest.raises(CardError) as caught:
        load_test_pki(tmp_path / "missing")
    assert caught.value.code == "card.test_pki_invalid"


def test_pins_can_be_chosen_but_must_fit_the_card() -> None:
    chosen = make_test_pki(auth_pin="4321", sign_pin="PASS2024")
    assert (chosen.auth_pin, chosen.sign_pin) == ("4321", "PASS2024")
    with pytest.raises(CardError) as caught:
        chosen.replace(sign_pin="short")
    assert caught.value.code == "card.pin_format"


def test_utf8_string_codec() -> None:
    for text in ("", "a", "試験\u3000花子", "x" * 200):
        assert decode_utf8_string(encode_utf8_string(text)) == text
    for bad in (b"\x04\x01a", b"\x0c\x05ab", b"\x0c"):
        with pytest.raises(CardError):
            decode_utf8_string(bad)


def test_my_number_check_digit() -> None:
    assert my_number_check_digit("12345678901") == 8
    assert TestPerson().my_number == "123456789018"
    with pytest.raises(ValueError):
        my_number_check_digit("123")


def test_x5t_s256_is_the_sha256_of_the_der(pki: TestPki) -> None:
    digest = hashlib.sha256(pki.auth_cert.public_bytes(Encoding.DER)).digest()
    assert x5t_s256(pki.auth_cert) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
