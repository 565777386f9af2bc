"""A :class:`~vc_core.keys.Signer` backed by the My Number Card (RS256).

:class:`CardSigner` lets every JOSE and binding routine sign on the card as it
would with a software key: ``sign(data)`` hashes ``data`` with SHA-256, wraps
the digest in a DigestInfo and has the card pad it (PKCS#1 v1.5) and sign —
RS256 in JOSE terms.

The PIN is verified once, on the first signature (or the first read of the
signing certificate, which needs it, or :meth:`CardSigner.unlock`). If that
VERIFY fails, the signer keeps the error and raises it again on every later
call **without touching the card**: a wrong PIN is never sent twice (JPKI.md,
"PINs").
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from jpki_bridge.certs import CertKind, rsa_public_key
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.session import CardSession, CertSlot
from vc_core.errors import CardError

__all__ = ["CardSigner"]

_PIN_FOR_KEY = {CertKind.AUTH: PinKind.AUTH, CertKind.SIGN: PinKind.SIGN}


class CardSigner:
    """Signs with the card's auth or sign key; a :class:`~vc_core.keys.Signer`."""

    def __init__(
        self, session: CardSession, key: CertKind, pin: Pin, *, allow_last_try: bool = False
    ) -> None:
        if pin.kind is not _PIN_FOR_KEY[key]:
            raise ValueError(f"the {key.value} key needs the {_PIN_FOR_KEY[key].value} PIN")
        self._session = session
        self._key = key
        self._pin = pin
        self._allow_last_try = allow_last_try
        self._verified = False
        self._failure: CardError | None = None
        self._chain: tuple[x509.Certificate, x509.Certificate] | None = None

    def __repr__(self) -> str:
        return f"CardSigner({self._key.value}, reader={self._session.reader!r})"

    @property
    def key(self) -> CertKind:
        """Which card key signs."""
        return self._key

    @property
    def algorithm(self) -> str:
        return "RS256"

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return rsa_public_key(self.certificate)

    @property
    def certificate(self) -> x509.Certificate:
        """The key's certificate, read from the card (the sign one after the PIN)."""
        return self.chain[0]

    @property
    def chain(self) -> tuple[x509.Certificate, x509.Certificate]:
        """The certificate and its CA as the card holds them, for ``x5c``."""
        if self._chain is None:
            if self._key is CertKind.SIGN:
                self._ensure_verified()
            self._chain = (
                self._session.read_certificate(CertSlot.leaf(self._key)),
                self._session.read_certificate(CertSlot.ca(self._key)),
            )
        return self._chain

    def unlock(self) -> None:
        """Verify the PIN now rather than at the first signature (still only once).

        A caller that must not spend anything on a wrong PIN (an offer's single-use code, a
        nonce) unlocks first: a wrong PIN raises here, and again on every later call, without
        touching the card."""
        self._ensure_verified()

    def sign(self, data: bytes) -> bytes:
        self._ensure_verified()
        return self._session.sign(self._key, data)

    def _ensure_verified(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._verified:
            return
        try:
            self._session.verify_pin(self._pin, allow_last_try=self._allow_last_try)
        except CardError as exc:
            self._failure = exc
            raise
        self._verified = True
