"""Chain validation to configured anchors, with roots that share one DN (JPKI.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from jpki_bridge.certs import POLICY_TEST, CertKind
from jpki_bridge.pki import TestPki, issue_person_certificate, make_root, make_test_pki
from jpki_bridge.validation import DEFAULT_POLICIES, TrustAnchors, validate_certificate
from vc_core.errors import CardError


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _anchors(pki: TestPki) -> TrustAnchors:
    return TrustAnchors((pki.auth_ca_cert, pki.sign_ca_cert))


def _code(excinfo: pytest.ExceptionInfo[CardError]) -> str:
    return excinfo.value.code


def test_both_certificates_validate(pki: TestPki) -> None:
    chain = validate_certificate(pki.auth_cert, anchors=_anchors(pki), now=_now())
    assert chain.kind is CertKind.AUTH
    assert chain.anchor == pki.auth_ca_cert
    chain = validate_certificate(
        pki.sign_cert, anchors=_anchors(pki), now=_now(), kind=CertKind.SIGN
    )
    assert chain.issuer == pki.sign_ca_cert


def test_a_certificate_from_another_ca_with_the_same_dn_fails(pki: TestPki) -> None:
    other = make_test_pki()
    assert other.auth_ca_cert.subject == pki.auth_ca_cert.subject
    with pytest.raises(CardError) as caught:
        validate_certificate(other.auth_cert, anchors=_anchors(pki), now=_now())
    assert _code(caught) == "card.chain_invalid"


def test_issuer_is_chosen_by_signature_among_generations(pki: TestPki) -> None:
    now = _now()
    old_root, old_key = make_root(
        CertKind.AUTH,
        not_before=now - dt.timedelta(days=3650),
        not_after=now + dt.timedelta(days=30),
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    under_old = issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=old_root,
        ca_key=old_key,
        key=key,
        issued=now - dt.timedelta(days=1),
    )
    # Same DN, two generations, in either order: each leaf finds its own root.
    for anchors in ((pki.auth_ca_cert, old_root), (old_root, pki.auth_ca_cert)):
        trusted = TrustAnchors(anchors)
        assert validate_certificate(under_old, anchors=trusted, now=now).anchor == old_root
        assert validate_certificate(pki.auth_cert, anchors=trusted, now=now).anchor == (
            pki.auth_ca_cert
        )


def test_an_expired_anchor_generation_fails_its_leaves(pki: TestPki) -> None:
    now = _now()
    old_root, old_key = make_root(
        CertKind.AUTH,
        not_before=now - dt.timedelta(days=3650),
        not_after=now - dt.timedelta(days=1),
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=old_root,
        ca_key=old_key,
        key=key,
        issued=now - dt.timedelta(days=400),
    )
    with pytest.raises(CardError) as caught:
        validate_certificate(leaf, anchors=TrustAnchors((old_root, pki.auth_ca_cert)), now=now)
    assert _code(caught) == "card.cert_expired"
    assert caught.value.details["role"] == "issuer"


def test_validity_window(pki: TestPki) -> None:
    anchors = _anchors(pki)
    after = pki.auth_cert.not_valid_after_utc + dt.timedelta(seconds=1)
    with pytest.raises(CardError) as caught:
        validate_certificate(pki.auth_cert, anchors=anchors, now=after)
    assert _code(caught) == "card.cert_expired"
    assert caught.value.details["role"] == "end-entity"
    before = pki.auth_cert.not_valid_before_utc - dt.timedelta(seconds=1)
    with pytest.raises(CardError) as caught:
        validate_certificate(pki.auth_cert, anchors=anchors, now=before)
    assert _code(caught) == "card.cert_not_yet_valid"


def _variant(
    pki: TestPki,
    *,
    key_usage: x509.KeyUsage | None = None,
    policy: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    return issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=pki.auth_ca_cert,
        ca_key=pki.auth_ca_key,
        key=pki.auth_key,
        issued=_now() - dt.timedelta(minutes=1),
        key_usage=key_usage,
        policy=policy,
    )


def test_key_usage_without_digital_signature_fails(pki: TestPki) -> None:
    usage = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    with pytest.raises(CardError) as caught:
        validate_certificate(_variant(pki, key_usage=usage), anchors=_anchors(pki), now=_now())
    assert _code(caught) == "card.key_usage"


def test_policy_is_checked(pki: TestPki) -> None:
    test_env = _variant(pki, policy=POLICY_TEST)
    with pytest.raises(CardError) as caught:
        validate_certificate(test_env, anchors=_anchors(pki), now=_now())
    assert _code(caught) == "card.policy"
    # An operator of J-LIS's test environment accepts its policy explicitly.
    accepting = {**DEFAULT_POLICIES, CertKind.AUTH: frozenset({POLICY_TEST})}
    validate_certificate(test_env, anchors=_anchors(pki), now=_now(), policies=accepting)
    # The sign certificate where the auth one is expected is a policy failure too.
    with pytest.raises(CardError) as caught:
        validate_certificate(pki.sign_cert, anchors=_anchors(pki), now=_now(), kind=CertKind.AUTH)
    assert _code(caught) == "card.policy"


def test_no_anchors_and_anchor_as_leaf(pki: TestPki) -> None:
    with pytest.raises(CardError) as caught:
        validate_certificate(pki.auth_cert, anchors=TrustAnchors(()), now=_now())
    assert _code(caught) == "card.chain_invalid"
    with pytest.raises(CardError) as caught:
        validate_certificate(pki.auth_ca_cert, anchors=_anchors(pki), now=_now())
    assert _code(caught) == "card.chain_invalid"


def test_anchors_load_from_pem_and_der_files(pki: TestPki, tmp_path: Path) -> None:
    both = tmp_path / "roots.pem"
    both.write_bytes(
        pki.auth_ca_cert.public_bytes(Encoding.PEM) + pki.sign_ca_cert.public_bytes(Encoding.PEM)
    )
    der = tmp_path / "auth.der"
    der.write_bytes(pki.auth_ca_cert.public_bytes(Encoding.DER))
    anchors = TrustAnchors.from_files([both, der])
    assert len(anchors.certificates) == 3
    with pytest.raises(CardError):
        TrustAnchors.from_files([tmp_path / "missing.pem"])


def _intermediate(pki: TestPki, *, ca: bool) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "test intermediate")])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(pki.auth_ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(pki.auth_ca_key, hashes.SHA256())
    )
    return cert, key


@pytest.mark.parametrize("is_ca", [True, False])
def test_paths_through_an_intermediate(pki: TestPki, is_ca: bool) -> None:
    middle, middle_key = _intermediate(pki, ca=is_ca)
    leaf = issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=middle,
        ca_key=middle_key,
        key=pki.auth_key,
        issued=_now() - dt.timedelta(minutes=1),
    )
    anchors = _anchors(pki)
    # Without the intermediate the leaf does not chain.
    with pytest.raises(CardError) as caught:
        validate_certificate(leaf, anchors=anchors, now=_now())
    assert _code(caught) == "card.chain_invalid"
    if is_ca:
        chain = validate_certificate(leaf, anchors=anchors, now=_now(), intermediates=[middle])
        assert chain.path == (leaf, middle, pki.auth_ca_cert)
        assert chain.issuer == middle
    else:
        with pytest.raises(CardError) as caught:
            validate_certificate(leaf, anchors=anchors, now=_now(), intermediates=[middle])
        assert _code(caught) == "card.chain_invalid"
