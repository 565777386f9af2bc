"""A test CA's revocation services on 127.0.0.1: a CRL over HTTP and an OCSP responder.

The CA is the test PKI's root (JPKI roots sign their own CRLs). The server is
``http.server`` in a thread; the OCSP answers are built with ``cryptography``'s
OCSP builder and signed by the CA or by a delegated responder certificate.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def make_crl(
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    revoked: dict[int, dt.datetime],
    *,
    now: dt.datetime,
    next_update: dt.timedelta = dt.timedelta(days=1),
) -> x509.CertificateRevocationList:
    """A CRL by ``ca_cert`` listing ``revoked`` serials (with their revocation times)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(minutes=1))
        .next_update(now + next_update)
    )
    for serial, when in revoked.items():
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256())


def make_delegated_responder(
    ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey, *, now: dt.datetime, ocsp_eku: bool = True
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """An OCSP responder certificate issued by the CA (with id-kp-OCSPSigning unless told)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    usage = [ExtendedKeyUsageOID.OCSP_SIGNING if ocsp_eku else ExtendedKeyUsageOID.CLIENT_AUTH]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test OCSP responder")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


@dataclass
class TestCa:
    """What the test CA knows: its certificates by serial and which are revoked."""

    __test__ = False

    ca_cert: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    known: dict[int, x509.Certificate] = field(default_factory=dict)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    crl: bytes = b""
    responder: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None
    echo_nonce: bool = True
    ocsp_requests: int = 0

    def publish_crl(self, *, now: dt.datetime) -> bytes:
        """Sign and publish a fresh CRL; return its DER."""
        self.crl = make_crl(self.ca_cert, self.ca_key, self.revoked, now=now).public_bytes(
            Encoding.DER
        )
        return self.crl

    def answer(self, request_der: bytes) -> bytes:
        """The OCSP response to one DER request."""
        self.ocsp_requests += 1
        request = ocsp.load_der_ocsp_request(request_der)
        cert = self.known.get(request.serial_number)
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(Encoding.DER)
        now = dt.datetime.now(dt.UTC)
        revoked_at = self.revoked.get(request.serial_number)
        status = ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD
        signer_cert, signer_key = self.responder or (self.ca_cert, self.ca_key)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=cert,
                issuer=self.ca_cert,
                algorithm=hashes.SHA1(),
                cert_status=status,
                this_update=now - dt.timedelta(minutes=1),
                next_update=now + dt.timedelta(hours=1),
                revocation_time=revoked_at,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, signer_cert)
        )
        if self.responder is not None:
            builder = builder.certificates([signer_cert])
        if self.echo_nonce:
            for extension in request.extensions:
                if isinstance(extension.value, x509.OCSPNonce):
                    builder = builder.add_extension(extension.value, critical=False)
        return builder.sign(signer_key, hashes.SHA256()).public_bytes(Encoding.DER)


@contextmanager
def serve(ca: TestCa) -> Iterator[str]:
    """Serve ``GET /crl`` and ``POST /ocsp`` for ``ca`` on 127.0.0.1; yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/crl":
                self.send_error(404)
                return
            self._reply(ca.crl, "application/pkix-crl")

        def do_POST(self) -> None:
            if self.path != "/ocsp":
                self.send_error(404)
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._reply(ca.answer(body), "application/ocsp-response")

        def _reply(self, data: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
