"""Revocation sources against a test CA the tests run: CRL (file, URL) and OCSP."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from jpki_bridge.certs import CertKind
from jpki_bridge.pki import TestPki, issue_person_certificate, make_test_pki
from jpki_bridge.revocation import (
    CrlSource,
    OcspSource,
    RevocationSource,
    RevocationStatus,
    check_revocation,
)
from tests.jpki_bridge.responders import TestCa, make_delegated_responder, serve
from vc_core.errors import CardError


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def ca(pki: TestPki) -> TestCa:
    """The auth root as a CA that knows the person's auth certificate and one revoked one."""
    test_ca = TestCa(pki.auth_ca_cert, pki.auth_ca_key)
    test_ca.known[pki.auth_cert.serial_number] = pki.auth_cert
    revoked = _revoked_cert(pki)
    test_ca.known[revoked.serial_number] = revoked
    test_ca.revoked[revoked.serial_number] = _now() - dt.timedelta(hours=2)
    test_ca.publish_crl(now=_now())
    return test_ca


def _revoked_cert(pki: TestPki) -> x509.Certificate:
    return issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=pki.auth_ca_cert,
        ca_key=pki.auth_ca_key,
        key=pki.auth_key,
        issued=_now() - dt.timedelta(days=1),
    )


@pytest.fixture
def base_url(ca: TestCa) -> Iterator[str]:
    with serve(ca) as url:
        yield url


def test_no_source_is_not_checked_never_good(pki: TestPki) -> None:
    result = check_revocation(pki.auth_cert, pki.auth_ca_cert, [], now=_now())
    assert result.status is RevocationStatus.NOT_CHECKED
    assert not result.checked


def test_crl_file(ca: TestCa, pki: TestPki, tmp_path: Path) -> None:
    crl_file = tmp_path / "auth.crl"
    crl_file.write_bytes(ca.crl)
    source = CrlSource(crl_file)
    assert source.check(pki.auth_cert, pki.auth_ca_cert, now=_now()).status is (
        RevocationStatus.GOOD
    )
    revoked = ca.known[next(iter(ca.revoked))]
    result = source.check(revoked, pki.auth_ca_cert, now=_now())
    assert result.status is RevocationStatus.REVOKED
    assert result.reason == "key_compromise"
    assert result.revoked_at is not None
    assert result.source == f"crl:{crl_file}"


def test_crl_url(ca: TestCa, pki: TestPki, base_url: str) -> None:
    source = CrlSource(f"{base_url}/crl")
    revoked = ca.known[next(iter(ca.revoked))]
    assert source.check(revoked, pki.auth_ca_cert, now=_now()).status is RevocationStatus.REVOKED
    assert source.check(pki.auth_cert, pki.auth_ca_cert, now=_now()).status is (
        RevocationStatus.GOOD
    )


def test_crl_pem_is_accepted(ca: TestCa, pki: TestPki, tmp_path: Path) -> None:
    pem = x509.load_der_x509_crl(ca.crl).public_bytes(Encoding.PEM)
    path = tmp_path / "auth.crl.pem"
    path.write_bytes(pem)
    assert CrlSource(path).check(pki.auth_cert, pki.auth_ca_cert, now=_now()).checked


def test_crl_from_another_ca_or_stale_is_unusable(pki: TestPki, tmp_path: Path) -> None:
    other = make_test_pki()
    forged = TestCa(other.auth_ca_cert, other.auth_ca_key)  # Same DN, another key.
    path = tmp_path / "forged.crl"
    path.write_bytes(forged.publish_crl(now=_now()))
    with pytest.raises(CardError) as caught:
        CrlSource(path).check(pki.auth_cert, pki.auth_ca_cert, now=_now())
    assert caught.value.code == "card.revocation_unavailable"
    assert "signature" in caught.value.message
    genuine = TestCa(pki.auth_ca_cert, pki.auth_ca_key)
    path.write_bytes(genuine.publish_crl(now=_now()))
    with pytest.raises(CardError) as caught:
        CrlSource(path).check(pki.auth_cert, pki.auth_ca_cert, now=_now() + dt.timedelta(days=2))
    assert caught.value.code == "card.revocation_unavailable"
    assert "stale" in caught.value.message


def test_unreachable_sources_are_errors_not_good(pki: TestPki, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sources: list[RevocationSource] = [
        CrlSource(tmp_path / "missing.crl"),
        CrlSource(f"http://127.0.0.1:{closed_port}/crl"),
        OcspSource(f"http://127.0.0.1:{closed_port}/ocsp"),
    ]
    for source in sources:
        with pytest.raises(CardError) as caught:
            source.check(pki.auth_cert, pki.auth_ca_cert, now=_now())
        assert caught.value.code == "card.revocation_unavailable"
    with pytest.raises(CardError) as caught:
        check_revocation(pki.auth_cert, pki.auth_ca_cert, sources, now=_now())
    assert caught.value.code == "card.revocation_unavailable"


def test_first_answering_source_wins(ca: TestCa, pki: TestPki, base_url: str) -> None:
    sources: list[RevocationSource] = [
        OcspSource("http://127.0.0.1:9/ocsp"),
        CrlSource(f"{base_url}/crl"),
    ]
    result = check_revocation(pki.auth_cert, pki.auth_ca_cert, sources, now=_now())
    assert result.status is RevocationStatus.GOOD
    assert result.source == f"crl:{base_url}/crl"


def test_ocsp_signed_by_the_ca(ca: TestCa, pki: TestPki, base_url: str) -> None:
    source = OcspSource(f"{base_url}/ocsp")
    assert source.check(pki.auth_cert, pki.auth_ca_cert, now=_now()).status is (
        RevocationStatus.GOOD
    )
    revoked = ca.known[next(iter(ca.revoked))]
    result = source.check(revoked, pki.auth_ca_cert, now=_now())
    assert result.status is RevocationStatus.REVOKED
    assert result.reason == "key_compromise"
    assert ca.ocsp_requests == 2


def test_ocsp_delegated_responder(ca: TestCa, pki: TestPki, base_url: str) -> None:
    ca.responder = make_delegated_responder(pki.auth_ca_cert, pki.auth_ca_key, now=_now())
    source = OcspSource(f"{base_url}/ocsp")
    assert source.check(pki.auth_cert, pki.auth_ca_cert, now=_now()).status is (
        RevocationStatus.GOOD
    )
    # A responder certificate without id-kp-OCSPSigning is not trusted to answer.
    ca.responder = make_delegated_responder(
        pki.auth_ca_cert, pki.auth_ca_key, now=_now(), ocsp_eku=False
    )
    with pytest.raises(CardError) as caught:
        source.check(pki.auth_cert, pki.auth_ca_cert, now=_now())
    assert caught.value.code == "card.revocation_unavailable"


def test_ocsp_from_an_impostor_is_rejected(pki: TestPki) -> None:
    other = make_test_pki()
    impostor = TestCa(other.auth_ca_cert, other.auth_ca_key)
    impostor.known[pki.auth_cert.serial_number] = pki.auth_cert
    with serve(impostor) as url, pytest.raises(CardError) as caught:
        OcspSource(f"{url}/ocsp").check(pki.auth_cert, pki.auth_ca_cert, now=_now())
    assert caught.value.code == "card.revocation_unavailable"


def test_ocsp_nonce_must_be_echoed_when_present(ca: TestCa, pki: TestPki, base_url: str) -> None:
    ca.echo_nonce = False
    # A responder that omits the nonce is accepted (RFC 8954 §2.1 allows it) …
    assert OcspSource(f"{base_url}/ocsp").check(pki.auth_cert, pki.auth_ca_cert, now=_now())

    # … but one that replays another request's nonce is not.
    def replaying_fetch(url: str, body: bytes | None, content_type: str | None) -> bytes:
        assert body is not None
        request = ocsp.load_der_ocsp_request(body)
        other = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(pki.auth_cert, pki.auth_ca_cert, hashes.SHA1())
            .add_extension(x509.OCSPNonce(b"\x00" * 16), critical=False)
            .build()
        )
        ca.echo_nonce = True
        assert request.serial_number == other.serial_number
        return ca.answer(other.public_bytes(Encoding.DER))

    with pytest.raises(CardError) as caught:
        OcspSource(f"{base_url}/ocsp", fetch=replaying_fetch).check(
            pki.auth_cert, pki.auth_ca_cert, now=_now()
        )
    assert "nonce" in caught.value.message


def test_ocsp_unknown_certificate(ca: TestCa, pki: TestPki, base_url: str) -> None:
    stranger = issue_person_certificate(
        CertKind.AUTH,
        pki.person,
        ca_cert=pki.auth_ca_cert,
        ca_key=pki.auth_ca_key,
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        issued=_now(),
    )
    with pytest.raises(CardError) as caught:
        OcspSource(f"{base_url}/ocsp").check(stranger, pki.auth_ca_cert, now=_now())
    assert caught.value.code == "card.revocation_unavailable"


@pytest.fixture
def openssl_responder(ca: TestCa, pki: TestPki, tmp_path: Path) -> Iterator[str]:
    """``openssl ocsp`` as an independent responder on loopback, with an index file."""
    index = tmp_path / "index.txt"
    lines = []
    for serial, cert in ca.known.items():
        expiry = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
        subject = "/C=JP/CN=test"  # Informational only in openssl's index.
        if serial in ca.revoked:
            when = ca.revoked[serial].strftime("%y%m%d%H%M%SZ")
            lines.append(f"R\t{expiry}\t{when}\t{serial:X}\tunknown\t{subject}")
        else:
            lines.append(f"V\t{expiry}\t\t{serial:X}\tunknown\t{subject}")
    index.write_text("\n".join(lines) + "\n")
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(pki.auth_ca_cert.public_bytes(Encoding.PEM))
    key_pem = tmp_path / "ca.key"
    pki.save(tmp_path / "pki")
    key_pem.write_bytes((tmp_path / "pki" / "auth-ca.key.pem").read_bytes())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "ocsp.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                "openssl", "ocsp", "-index", str(index), "-port", str(port), "-ignore_err",
                "-rsigner", str(ca_pem), "-rkey", str(key_pem), "-CA", str(ca_pem),
                "-nmin", "60",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # Readiness comes from the responder's own log line: a probe connection that
        # sends nothing would wedge the single-threaded responder.
        deadline = time.monotonic() + 30
        while b"waiting for OCSP client connections" not in log.read_bytes():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"openssl ocsp did not start: {log.read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_openssl_ocsp_responder(ca: TestCa, pki: TestPki, openssl_responder: str) -> None:
    source = OcspSource(openssl_responder)
    assert source.check(pki.auth_cert, pki.auth_ca_cert, now=_now()).status is (
        RevocationStatus.GOOD
    )
    revoked = ca.known[next(iter(ca.revoked))]
    assert source.check(revoked, pki.auth_ca_cert, now=_now()).status is (RevocationStatus.REVOKED)
