"""Pluggable revocation sources for JPKI certificates: CRL and OCSP (JPKI.md, "Law").

Only verifiers authorised under 公的個人認証法 (or through a platform operator)
may check JPKI revocation, and J-LIS runs no public OCSP responder, so a
revocation source is configured by the operator and optional.
:func:`check_revocation` asks the configured sources in order and returns the
first answer. With **no source configured the verdict is**
:attr:`RevocationStatus.NOT_CHECKED` — never "good".

- :class:`CrlSource` reads a CRL (DER or PEM) from a file or an ``http(s)``
  URL (RFC 5280 §5). The CRL must name the certificate's issuer, carry a valid
  signature by the issuer's key, and be current (``thisUpdate ≤ now ≤
  nextUpdate``). A parsed CRL is kept until its ``nextUpdate``.
- :class:`OcspSource` posts an OCSP request (RFC 6960 §4.1, with a nonce per
  RFC 8954) to a responder URL. The response must be signed by the issuer or
  by a responder certificate the issuer gave ``id-kp-OCSPSigning``
  (§4.2.2.2), answer for the certificate asked about, be current, and echo
  the nonce when it carries one.

A source that cannot give a usable answer raises
``card.revocation_unavailable``; a revoked certificate is a *result*
(:attr:`RevocationStatus.REVOKED`) that the binding verification turns into
``card.cert_revoked``.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from jpki_bridge.fetch import Fetch, http_fetch
from vc_core.errors import CardError

__all__ = [
    "CrlSource",
    "OcspSource",
    "RevocationResult",
    "RevocationSource",
    "RevocationStatus",
    "check_revocation",
]

#: Clock skew tolerated on thisUpdate (a responder's clock may run a little ahead).
_SKEW = dt.timedelta(minutes=5)


class RevocationStatus(enum.Enum):
    """What a revocation check found."""

    GOOD = "good"
    REVOKED = "revoked"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class RevocationResult:
    """The answer of one source (or "not checked" when none is configured)."""

    status: RevocationStatus
    source: str | None = None
    revoked_at: dt.datetime | None = None
    reason: str | None = None

    @property
    def checked(self) -> bool:
        """Whether a source actually answered."""
        return self.status is not RevocationStatus.NOT_CHECKED


class RevocationSource(Protocol):
    """A place that can say whether a certificate is revoked."""

    @property
    def name(self) -> str:
        """A short description for results and errors (``crl:URL``, ``ocsp:URL``)."""
        ...

    def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, *, now: dt.datetime
    ) -> RevocationResult:
        """GOOD or REVOKED; raise ``card.revocation_unavailable`` when it cannot tell."""
        ...


def check_revocation(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    sources: Sequence[RevocationSource],
    *,
    now: dt.datetime,
) -> RevocationResult:
    """Ask ``sources`` in order; the first answer wins; none configured → NOT_CHECKED.

    When every configured source fails, the last failure is raised: an
    unreachable source is never read as "good".
    """
    if not sources:
        return RevocationResult(RevocationStatus.NOT_CHECKED)
    failure: CardError | None = None
    for source in sources:
        try:
            return source.check(cert, issuer, now=now)
        except CardError as exc:
            if exc.code != "card.revocation_unavailable":
                raise
            failure = exc
    assert failure is not None
    raise failure


def _unavailable(source: str, message: str) -> CardError:
    return CardError("card.revocation_unavailable", f"{source}: {message}", source=source)


class CrlSource:
    """A CRL from a file path or an ``http(s)`` URL."""

    def __init__(self, location: str | Path, *, fetch: Fetch = http_fetch) -> None:
        self.location = str(location)
        self._fetch = fetch
        self._cached: x509.CertificateRevocationList | None = None

    @property
    def name(self) -> str:
        return f"crl:{self.location}"

    def _load(self, now: dt.datetime) -> x509.CertificateRevocationList:
        cached = self._cached
        if cached is not None and cached.next_update_utc and now <= cached.next_update_utc:
            return cached
        if self.location.startswith(("http://", "https://")):
            data = self._fetch(self.location, None, None)
        else:
            try:
                data = Path(self.location).read_bytes()
            except OSError as exc:
                raise _unavailable(self.name, "cannot read the CRL file") from exc
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                crl = x509.load_pem_x509_crl(data)
            else:
                crl = x509.load_der_x509_crl(data)
        except ValueError as exc:
            raise _unavailable(self.name, "not a CRL") from exc
        self._cached = crl
        return crl

    def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, *, now: dt.datetime
    ) -> RevocationResult:
        crl = self._load(now)
        if crl.issuer != cert.issuer:
            raise _unavailable(self.name, "the CRL is for another issuer")
        if not _crl_signed_by(crl, issuer):
            raise _unavailable(self.name, "the CRL signature does not verify with the issuer key")
        if crl.last_update_utc > now + _SKEW:
            raise _unavailable(self.name, "the CRL is from the future")
        if crl.next_update_utc is None or crl.next_update_utc < now:
            self._cached = None
            raise _unavailable(self.name, "the CRL is stale (past its nextUpdate)")
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is None:
            return RevocationResult(RevocationStatus.GOOD, self.name)
        return RevocationResult(
            RevocationStatus.REVOKED,
            self.name,
            revoked_at=entry.revocation_date_utc,
            reason=_crl_reason(entry),
        )


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return False
    return crl.is_signature_valid(key)


def _crl_reason(entry: x509.RevokedCertificate) -> str | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        return None


class OcspSource:
    """An OCSP responder at an ``http(s)`` URL."""

    def __init__(self, url: str, *, fetch: Fetch = http_fetch, use_nonce: bool = True) -> None:
        self.url = url
        self._fetch = fetch
        self._use_nonce = use_nonce

    @property
    def name(self) -> str:
        return f"ocsp:{self.url}"

    def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, *, now: dt.datetime
    ) -> RevocationResult:
        builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 (RFC 6960 CertID)
        nonce = secrets.token_bytes(16)
        if self._use_nonce:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        request = builder.build()
        raw = self._fetch(
            self.url,
            request.public_bytes(Encoding.DER),
            "application/ocsp-request",
        )
        try:
            response = ocsp.load_der_ocsp_response(raw)
        except ValueError as exc:
            raise _unavailable(self.name, "not an OCSP response") from exc
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _unavailable(self.name, f"responder said {response.response_status.name}")
        self._check_signature(response, issuer, now)
        self._check_nonce(response, nonce)
        single = _matching_single(response, request)
        if single is None:
            raise _unavailable(self.name, "the response does not answer for this certificate")
        if single.this_update_utc > now + _SKEW:
            raise _unavailable(self.name, "the response is from the future")
        if single.next_update_utc is not None and single.next_update_utc < now:
            raise _unavailable(self.name, "the response is stale (past its nextUpdate)")
        if single.certificate_status is ocsp.OCSPCertStatus.GOOD:
            return RevocationResult(RevocationStatus.GOOD, self.name)
        if single.certificate_status is ocsp.OCSPCertStatus.REVOKED:
            reason = single.revocation_reason.name if single.revocation_reason else None
            return RevocationResult(
                RevocationStatus.REVOKED,
                self.name,
                revoked_at=single.revocation_time_utc,
                reason=reason,
            )
        raise _unavailable(self.name, "the responder does not know the certificate")

    def _check_signature(
        self, response: ocsp.OCSPResponse, issuer: x509.Certificate, now: dt.datetime
    ) -> None:
        if _response_signed_by(response, issuer):
            return
        for delegate in response.certificates:
            if not _is_delegated_responder(delegate, issuer, now):
                continue
            if _response_signed_by(response, delegate):
                return
        raise _unavailable(self.name, "the response is not signed by the issuer or its responder")

    def _check_nonce(self, response: ocsp.OCSPResponse, nonce: bytes) -> None:
        try:
            echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            return
        if echoed != nonce:
            raise _unavailable(self.name, "the response carries another request's nonce")


def _matching_single(
    response: ocsp.OCSPResponse, request: ocsp.OCSPRequest
) -> ocsp.OCSPSingleResponse | None:
    for single in response.responses:
        if (
            single.serial_number == request.serial_number
            and single.issuer_key_hash == request.issuer_key_hash
            and single.issuer_name_hash == request.issuer_name_hash
        ):
            return single
    return None


def _response_signed_by(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    key = signer.public_key()
    algorithm = response.signature_hash_algorithm
    if algorithm is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(response.signature, response.tbs_response_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _is_delegated_responder(
    delegate: x509.Certificate, issuer: x509.Certificate, now: dt.datetime
) -> bool:
    """RFC 6960 §4.2.2.2: issued by the CA, with id-kp-OCSPSigning, valid now."""
    try:
        delegate.verify_directly_issued_by(issuer)
        usage = delegate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    valid_now = delegate.not_valid_before_utc <= now <= delegate.not_valid_after_utc
    return valid_now and ExtendedKeyUsageOID.OCSP_SIGNING in usage
