"""The My Number Card as the holder's key: reading its binding, signing KB-JWTs on it.

Card mode (ARCHITECTURE.md, "Binding to the holder's JPKI certificate"): the credential's
``cnf`` names the card's user-authentication (利用者証明用) key and certificate, and every
presentation is signed on the card over the verifier's nonce and audience, with the chain
attached (:func:`holder.present.present`, ``x5c``). The auth certificate is read without a
PIN; signing needs the auth PIN (4 digits), which the caller obtains without echo and passes
as a :class:`~jpki_bridge.pin.Pin` — never logged, never in an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cryptography import x509

from holder.present import present
from jpki_bridge.certs import CertKind
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.session import CardSession, CertSlot
from jpki_bridge.signer import CardSigner

__all__ = ["auth_certificate", "card_signer", "present_on_card"]


def auth_certificate(session: CardSession) -> x509.Certificate:
    """The card's user-authentication certificate (no PIN needed)."""
    return session.read_certificate(CertSlot.AUTH)


def card_signer(session: CardSession, pin: Pin, *, allow_last_try: bool = False) -> CardSigner:
    """An RS256 signer on the card's auth key, verifying ``pin`` once, on first use."""
    if pin.kind is not PinKind.AUTH:
        raise ValueError("key binding signs with the auth key: it needs the auth PIN")
    return CardSigner(session, CertKind.AUTH, pin, allow_last_try=allow_last_try)


def present_on_card(
    credential: str,
    *,
    disclose: Iterable[str],
    signer: CardSigner,
    nonce: str,
    audience: str,
    now: datetime,
) -> str:
    """An SD-JWT+KB whose KB-JWT is signed on the card, with the auth chain in ``x5c``."""
    return present(
        credential,
        disclose=disclose,
        signer=signer,
        nonce=nonce,
        audience=audience,
        now=now,
        chain=signer.chain,
    )
