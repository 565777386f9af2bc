"""The certificate authorities a wallet trusts to say who a verifier is.

OpenID4VP 1.0 §5.9.3: with the ``x509_san_dns`` and ``x509_hash`` client identifier
prefixes, the wallet MUST validate the signature and the trust chain of the request's
certificate. A chain is trusted when it validates to one of these roots
(:func:`holder.flows.oid4vp.fetch_request` does the validation):

- the web PKI — the same certificate authorities the wallet's https client trusts by default:
  certifi's bundle (installed with httpx, the wallet's client), else the system bundle
  ``/etc/ssl/certs/ca-certificates.crt`` where there is one (Debian, Ubuntu);
- the roots the holder adds (``--verifier-roots`` / ``$SHIKAKU_WALLET_VERIFIER_ROOTS`` in
  ``shikaku wallet present``): a private hospital CA, or in development the self-signed
  certificate a shikaku verifier makes (``development-certificate.pem`` in its data
  directory's ``oid4vp`` folder). A root that is itself the verifier's certificate pins it.

A root file that cannot be read, or holds no certificate, is ``input.unreadable``: a wallet
never falls back to fewer roots than it was asked to use without saying so. A certificate
in a system bundle that cannot be parsed is left out (the wallet trusts less, never more).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import Store

from vc_core.errors import InputError

__all__ = ["SYSTEM_BUNDLE", "VerifierRoots", "load_roots", "web_pki"]

#: The system's bundle on Debian and Ubuntu, used when certifi is not installed.
SYSTEM_BUNDLE: Final = Path("/etc/ssl/certs/ca-certificates.crt")
_PEM: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.DOTALL
)


@dataclass(frozen=True)
class VerifierRoots:
    """Trust anchors for verifiers' request-signing certificates (at least one)."""

    certificates: Sequence[x509.Certificate]
    store: Store = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "certificates", tuple(self.certificates))
        if not self.certificates:
            raise InputError("input.unreadable", "a wallet needs at least one verifier root")
        object.__setattr__(self, "store", Store(list(self.certificates)))

    def __repr__(self) -> str:
        return f"VerifierRoots({len(self.certificates)} certificates)"

    @classmethod
    def default(cls, extra: Iterable[x509.Certificate] = ()) -> VerifierRoots:
        """The web PKI (:func:`web_pki`) and ``extra``."""
        return cls((*web_pki(), *extra))


@cache
def web_pki() -> tuple[x509.Certificate, ...]:
    """The web PKI's roots: certifi's bundle, else :data:`SYSTEM_BUNDLE`, else none."""
    try:
        import certifi  # noqa: PLC0415 - optional: installed with httpx, absent elsewhere

        bundle = Path(certifi.where())
    except ImportError:
        bundle = SYSTEM_BUNDLE
    try:
        text = bundle.read_bytes()
    except OSError:
        return ()
    return tuple(_parse_each(text))


def load_roots(paths: Sequence[Path]) -> tuple[x509.Certificate, ...]:
    """Every certificate in the PEM files ``paths`` (other PEM blocks, such as a private
    key, are ignored); ``input.unreadable`` for a file that holds none."""
    found: list[x509.Certificate] = []
    for path in paths:
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise InputError(
                "input.unreadable", f"cannot read the verifier roots {path}: {exc.strerror}"
            ) from None
        certificates = _parse_each(text)
        if not certificates:
            raise InputError("input.unreadable", f"{path} holds no PEM certificate")
        found.extend(certificates)
    return tuple(found)


def _parse_each(text: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM bundle, one at a time: one the parser refuses is left out
    rather than failing the whole bundle. A few long-lived roots of the web PKI (certifi's
    bundle of 2026 holds six) have a serial number that is not positive, which RFC 5280
    forbids and pyca/cryptography still reads with a deprecation warning; they are kept."""
    parsed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM.finditer(text):
            try:
                parsed.append(x509.load_pem_x509_certificate(block.group(0)))
            except ValueError:
                continue
    return parsed
