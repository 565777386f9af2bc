"""Validate a JPKI certificate to configured trust anchors (JPKI.md, "The certificates").

Path validation in the spirit of RFC 5280 §6, reduced to what JPKI needs and
with one twist: every generation of a JPKI root carries the *same*
distinguished name (the 2015 and 2023 roots), so the issuer is chosen by
signature, not by name. For each certificate on the path the candidates are
the anchors and intermediates whose subject equals its issuer; the first
whose key verifies the signature (preferring one valid at ``now``) is taken.

Checks, each with its own code:

- the path ends at a configured anchor (``card.chain_invalid``);
- every certificate on it is within its validity at ``now``
  (``card.cert_not_yet_valid``, ``card.cert_expired``);
- intermediates are CAs (``card.chain_invalid``);
- the end-entity key usage allows a digital signature (``card.key_usage``);
- the end-entity carries an accepted JPKI policy for its kind (``card.policy``).

Revocation is separate (:mod:`jpki_bridge.revocation`): a valid chain says
nothing about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from jpki_bridge.certs import POLICY_AUTH, POLICY_SIGN, CertKind, cert_kind, load_certificate
from vc_core.errors import CardError

__all__ = [
    "DEFAULT_POLICIES",
    "TrustAnchors",
    "ValidatedChain",
    "validate_certificate",
]

#: The policies accepted for each kind unless a caller says otherwise.
DEFAULT_POLICIES: Mapping[CertKind, frozenset[x509.ObjectIdentifier]] = {
    CertKind.AUTH: frozenset({POLICY_AUTH}),
    CertKind.SIGN: frozenset({POLICY_SIGN}),
}

_MAX_DEPTH = 4


@dataclass(frozen=True)
class TrustAnchors:
    """The JPKI roots an operator trusts (several generations may share one DN)."""

    certificates: tuple[x509.Certificate, ...]

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> TrustAnchors:
        """Load PEM (one or more certificates per file) or DER anchor files."""
        found: list[x509.Certificate] = []
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise CardError("card.cert_invalid", f"cannot read trust anchor {path}") from exc
            if b"-----BEGIN" in data:
                try:
                    found.extend(x509.load_pem_x509_certificates(data))
                except ValueError as exc:
                    raise CardError("card.cert_invalid", f"bad PEM in {path}") from exc
            else:
                found.append(load_certificate(data))
        return cls(tuple(found))


@dataclass(frozen=True)
class ValidatedChain:
    """A certificate that chains to an anchor: the path from the leaf up to the anchor."""

    path: tuple[x509.Certificate, ...]
    kind: CertKind

    @property
    def leaf(self) -> x509.Certificate:
        """The end-entity certificate."""
        return self.path[0]

    @property
    def issuer(self) -> x509.Certificate:
        """The certificate that issued the leaf (the anchor on JPKI's two-level paths)."""
        return self.path[1]

    @property
    def anchor(self) -> x509.Certificate:
        """The trust anchor the path ends at."""
        return self.path[-1]


def validate_certificate(
    leaf: x509.Certificate,
    *,
    anchors: TrustAnchors,
    now: dt.datetime,
    intermediates: Sequence[x509.Certificate] = (),
    kind: CertKind | None = None,
    policies: Mapping[CertKind, frozenset[x509.ObjectIdentifier]] = DEFAULT_POLICIES,
) -> ValidatedChain:
    """Validate ``leaf`` to ``anchors`` at ``now``; return the path or raise a ``card.*`` code.

    ``kind`` is the kind the caller expects (the auth or sign certificate);
    when given, a leaf of the other kind fails with ``card.policy``.
    """
    if not anchors.certificates:
        raise CardError("card.chain_invalid", "no JPKI trust anchors are configured")
    path = _build_path(leaf, anchors, intermediates, now)
    for position, cert in enumerate(path):
        _check_validity(cert, now, "end-entity" if position == 0 else "issuer")
    for cert in path[1:-1]:
        if not _is_ca(cert):
            raise CardError("card.chain_invalid", "an intermediate certificate is not a CA")
    actual = cert_kind(leaf)
    if kind is not None and actual is not kind:
        raise CardError("card.policy", f"expected the {kind.value} certificate, got {actual.value}")
    _check_policy(leaf, policies.get(actual, frozenset()))
    _check_key_usage(leaf)
    return ValidatedChain(tuple(path), actual)


def _build_path(
    leaf: x509.Certificate,
    anchors: TrustAnchors,
    intermediates: Sequence[x509.Certificate],
    now: dt.datetime,
) -> list[x509.Certificate]:
    anchor_ders = {a.public_bytes(Encoding.DER) for a in anchors.certificates}
    if leaf.public_bytes(Encoding.DER) in anchor_ders:
        raise CardError("card.chain_invalid", "the certificate is itself a trust anchor")
    path = [leaf]
    current = leaf
    for _ in range(_MAX_DEPTH):
        issuer = _choose_issuer(current, anchors.certificates, now)
        if issuer is not None:
            path.append(issuer)
            return path
        issuer = _choose_issuer(current, tuple(intermediates), now)
        if issuer is None or issuer in path:
            break
        path.append(issuer)
        current = issuer
    raise CardError(
        "card.chain_invalid",
        f"no configured anchor issued {current.subject.rfc4514_string()!r}",
    )


def _choose_issuer(
    cert: x509.Certificate, candidates: Sequence[x509.Certificate], now: dt.datetime
) -> x509.Certificate | None:
    """The candidate whose key verifies ``cert`` — by signature, never by name alone."""
    verified = []
    for candidate in candidates:
        if candidate.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (InvalidSignature, ValueError, TypeError):
            continue
        verified.append(candidate)
    current = [c for c in verified if c.not_valid_before_utc <= now <= c.not_valid_after_utc]
    chosen = current or verified
    return chosen[0] if chosen else None


def _check_validity(cert: x509.Certificate, now: dt.datetime, role: str) -> None:
    if now < cert.not_valid_before_utc:
        raise CardError(
            "card.cert_not_yet_valid",
            f"the {role} certificate is valid from {cert.not_valid_before_utc.isoformat()}",
            role=role,
        )
    if now > cert.not_valid_after_utc:
        raise CardError(
            "card.cert_expired",
            f"the {role} certificate expired at {cert.not_valid_after_utc.isoformat()}",
            role=role,
        )


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _check_policy(leaf: x509.Certificate, accepted: frozenset[x509.ObjectIdentifier]) -> None:
    try:
        ext = leaf.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound as exc:
        raise CardError("card.policy", "the certificate has no certificate policies") from exc
    if not {p.policy_identifier for p in ext} & accepted:
        raise CardError("card.policy", "the certificate has no accepted JPKI policy")


def _check_key_usage(leaf: x509.Certificate) -> None:
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise CardError("card.key_usage", "the certificate has no key usage") from exc
    if not usage.digital_signature:
        raise CardError("card.key_usage", "the key usage lacks digitalSignature")
