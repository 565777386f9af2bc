"""jpki_bridge: the My Number Card (JPKI) for shikaku.

Layers, bottom up (each module's docstring names the JPKI.md section it follows):

- :mod:`~jpki_bridge.apdu` — pure command builders, response parsing, status words → errors;
- :mod:`~jpki_bridge.pin` — PINs that never leak; :mod:`~jpki_bridge.session` — a card
  session with PIN safety; :mod:`~jpki_bridge.signer` — the card as an RS256 ``Signer``;
- :mod:`~jpki_bridge.transport` (in-process) and :mod:`~jpki_bridge.pcsc` (pyscard, lazy);
- :mod:`~jpki_bridge.emulator` — a faithful card, in-process or behind vpcd;
- :mod:`~jpki_bridge.certs`, :mod:`~jpki_bridge.pki`, :mod:`~jpki_bridge.validation`,
  :mod:`~jpki_bridge.revocation` — the certificate profile, a test PKI, chains, CRL/OCSP;
- :mod:`~jpki_bridge.challenge`, :mod:`~jpki_bridge.binding`, :mod:`~jpki_bridge.nonces` —
  the binding proof and the protocol of its single-use nonces (the stores themselves are
  :mod:`service_kit.nonces`).

The PC/SC transport (pyscard) is imported from its module, so ``import jpki_bridge`` stays
light.
"""

from jpki_bridge.binding import (
    BindingProof,
    BindingResult,
    create_proof,
    signed_message,
    verify_proof,
)
from jpki_bridge.certs import BirthDate, CertKind, Era, FourFacts, Sex, four_facts, x5t_s256
from jpki_bridge.challenge import Challenge, canonical_origin
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.revocation import (
    CrlSource,
    OcspSource,
    RevocationResult,
    RevocationSource,
    RevocationStatus,
    check_revocation,
)
from jpki_bridge.session import CardSession, CertSlot, PinStatus
from jpki_bridge.signer import CardSigner
from jpki_bridge.transport import InProcessTransport, Transport
from jpki_bridge.validation import TrustAnchors, ValidatedChain, validate_certificate

__all__ = [
    "BindingProof",
    "BindingResult",
    "BirthDate",
    "CardSession",
    "CardSigner",
    "CertKind",
    "CertSlot",
    "Challenge",
    "CrlSource",
    "Era",
    "FourFacts",
    "InProcessTransport",
    "OcspSource",
    "Pin",
    "PinKind",
    "PinStatus",
    "RevocationResult",
    "RevocationSource",
    "RevocationStatus",
    "Sex",
    "Transport",
    "TrustAnchors",
    "ValidatedChain",
    "canonical_origin",
    "check_revocation",
    "create_proof",
    "four_facts",
    "signed_message",
    "validate_certificate",
    "verify_proof",
    "x5t_s256",
]
