"""The binding proof: challenge → card signature → verification (ARCHITECTURE.md, "Binding").

A verifier (an issuer at issuance, or a relying party) proves that the person
in front of it holds a My Number Card, Web-eID style: it issues a
:class:`Challenge` (a fresh nonce for one audience and one purpose, with an
expiry), the card signs it with the user-authentication key (or the signing
key, when the four facts are wanted), and the verifier checks the
:class:`BindingProof`.

The signed byte string
======================

The card signs, RS256 (SHA-256, DigestInfo, PKCS#1 v1.5 padding by the
card), the message::

    message = SHA-256(UTF-8(origin)) ‖ SHA-256(UTF-8(nonce)) ‖ ASCII(statement)

    statement = purpose                          (card mode)
              = purpose ":" wallet_thumbprint    (wallet mode)

- ``origin`` is the audience in canonical origin form
  (:func:`canonical_origin`): lower-case ``https`` or ``http`` scheme, lower-case
  host, the port only when it is not the scheme's default, no path, query,
  fragment or user info — e.g. ``https://verify.example.jp``.
- ``nonce`` is the challenge's nonce exactly as issued: unpadded base64url of
  at least 16 random bytes.
- ``purpose`` is a lower-case token (``[a-z0-9][a-z0-9.-]{0,63}``), e.g.
  ``issuance``, ``presentation``, ``wallet-link``; it cannot contain ``:``.
- ``wallet_thumbprint`` is the RFC 7638 SHA-256 JWK thumbprint (base64url) of
  the wallet key the holder links to the card.

The two hashes have a fixed length of 32 bytes each, so the statement is
simply the rest of the message and the encoding is unambiguous.

The proof
=========

A JSON object::

    {"type": "JpkiBindingProof", "alg": "RS256", "key": "auth" | "sign",
     "nonce": …, "audience": …, "purpose": …, ["wallet_jwk_thumbprint": …,]
     "signature": <base64url>, "x5c": [<base64 DER leaf>, <base64 DER CA>]}

``x5c`` follows RFC 7515 §4.1.6 (standard base64, leaf first).

Verification
============

:func:`verify_proof` checks, each failure with its own code: the audience
(``card.audience_mismatch``) and purpose (``card.purpose_mismatch``) against the
verifier's own, the wallet key (``card.wallet_key_mismatch``), the chain to the
configured anchors with validity, key usage and policy
(:func:`~jpki_bridge.validation.validate_certificate`), the signature over the
message rebuilt from the verifier's values (``card.signature_invalid``),
revocation when a source is configured (``card.cert_revoked``; "not checked"
otherwise), and last the nonce through the :class:`~jpki_bridge.nonces.NonceStore`
— known (``card.nonce_unknown``), unused (``card.nonce_reused``), unexpired
(``card.challenge_expired``), issued for this origin and purpose — so only a
proof that passed every other check consumes its nonce. It returns the
certificate's ``x5t#S256`` and, for a signing-certificate proof, the four facts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from jpki_bridge.certs import (
    CertKind,
    FourFacts,
    four_facts,
    load_certificate,
    rsa_public_key,
    x5t_s256,
)
from jpki_bridge.challenge import Challenge, canonical_origin, check_nonce, check_purpose
from jpki_bridge.nonces import NonceStore, consume_challenge
from jpki_bridge.revocation import (
    RevocationResult,
    RevocationSource,
    RevocationStatus,
    check_revocation,
)
from jpki_bridge.validation import (
    DEFAULT_POLICIES,
    TrustAnchors,
    ValidatedChain,
    validate_certificate,
)
from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CardError, CodecError, ProofError
from vc_core.keys import Signer, jwk_thumbprint, verify_signature

__all__ = [
    "PROOF_TYPE",
    "BindingProof",
    "BindingResult",
    "Challenge",
    "canonical_origin",
    "create_proof",
    "signed_message",
    "verify_proof",
]

PROOF_TYPE = "JpkiBindingProof"


def signed_message(
    audience: str, nonce: str, purpose: str, wallet_thumbprint: str | None = None
) -> bytes:
    """The exact bytes the card signs (module docstring, "The signed byte string")."""
    statement = check_purpose(purpose)
    if wallet_thumbprint is not None:
        statement += ":" + wallet_thumbprint
    return (
        hashlib.sha256(canonical_origin(audience).encode("utf-8")).digest()
        + hashlib.sha256(check_nonce(nonce).encode("utf-8")).digest()
        + statement.encode("ascii")
    )


@dataclass(frozen=True)
class BindingProof:
    """A card signature over a challenge, with the certificate chain."""

    key: CertKind
    nonce: str
    audience: str
    purpose: str
    signature: bytes
    x5c: tuple[bytes, ...]
    wallet_jwk_thumbprint: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (module docstring, "The proof")."""
        out: dict[str, Any] = {
            "type": PROOF_TYPE,
            "alg": "RS256",
            "key": self.key.value,
            "nonce": self.nonce,
            "audience": self.audience,
            "purpose": self.purpose,
        }
        if self.wallet_jwk_thumbprint is not None:
            out["wallet_jwk_thumbprint"] = self.wallet_jwk_thumbprint
        out["signature"] = b64url_encode(self.signature)
        out["x5c"] = [base64.b64encode(der).decode("ascii") for der in self.x5c]
        return out

    @classmethod
    def from_json(cls, data: Any) -> BindingProof:
        """Parse the JSON form; ``card.proof_malformed`` on any deviation."""
        if not isinstance(data, Mapping) or data.get("type") != PROOF_TYPE:
            raise CardError("card.proof_malformed", f"not a {PROOF_TYPE}")
        if data.get("alg") != "RS256":
            raise CardError("card.proof_malformed", "alg must be RS256")
        try:
            key = CertKind(data["key"])
            strings = {name: data[name] for name in ("nonce", "audience", "purpose", "signature")}
            thumbprint = data.get("wallet_jwk_thumbprint")
            x5c = data["x5c"]
            if not all(isinstance(v, str) for v in strings.values()):
                raise TypeError("string members")
            if thumbprint is not None and not isinstance(thumbprint, str):
                raise TypeError("wallet_jwk_thumbprint")
            if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
                raise TypeError("x5c")
            certificates = tuple(base64.b64decode(c, validate=True) for c in x5c)
            signature = b64url_decode(strings["signature"])
        except (KeyError, TypeError, ValueError, binascii.Error, CodecError) as exc:
            raise CardError("card.proof_malformed", "a member is missing or malformed") from exc
        return cls(
            key=key,
            nonce=strings["nonce"],
            audience=strings["audience"],
            purpose=strings["purpose"],
            signature=signature,
            x5c=certificates,
            wallet_jwk_thumbprint=thumbprint,
        )


@dataclass(frozen=True)
class BindingResult:
    """A verified proof: who (the certificate's thumbprint), for what, and what was checked."""

    x5t_s256: str
    kind: CertKind
    chain: ValidatedChain
    revocation: RevocationResult
    challenge: Challenge
    four_facts: FourFacts | None = None
    wallet_jwk_thumbprint: str | None = None
    public_key: rsa.RSAPublicKey | None = field(default=None, repr=False)


def create_proof(
    signer: Signer,
    chain: Sequence[x509.Certificate],
    *,
    key: CertKind,
    nonce: str,
    audience: str,
    purpose: str,
    wallet_jwk: Mapping[str, str] | None = None,
) -> BindingProof:
    """Sign the challenge with ``signer`` (a card key) and attach ``chain`` (leaf first)."""
    if signer.algorithm != "RS256":
        raise CardError("card.proof_malformed", "a binding proof is RS256, signed on the card")
    thumbprint = jwk_thumbprint(dict(wallet_jwk)) if wallet_jwk is not None else None
    origin = canonical_origin(audience)
    signature = signer.sign(signed_message(origin, nonce, purpose, thumbprint))
    return BindingProof(
        key=key,
        nonce=check_nonce(nonce),
        audience=origin,
        purpose=purpose,
        signature=signature,
        x5c=tuple(cert.public_bytes(Encoding.DER) for cert in chain),
        wallet_jwk_thumbprint=thumbprint,
    )


def verify_proof(
    proof: BindingProof | Mapping[str, Any],
    *,
    audience: str,
    purpose: str,
    nonces: NonceStore,
    anchors: TrustAnchors,
    now: dt.datetime,
    revocation: Sequence[RevocationSource] = (),
    wallet_jwk: Mapping[str, str] | None = None,
    policies: Mapping[CertKind, frozenset[x509.ObjectIdentifier]] = DEFAULT_POLICIES,
) -> BindingResult:
    """Verify a binding proof (module docstring, "Verification"); raise a ``card.*`` code."""
    parsed = proof if isinstance(proof, BindingProof) else BindingProof.from_json(proof)
    # 1. The proof was made for this verifier and this purpose.
    origin = canonical_origin(audience)
    try:
        proof_origin = canonical_origin(parsed.audience)
    except CardError as exc:
        raise CardError("card.proof_malformed", "the proof's audience is not an origin") from exc
    if proof_origin != origin:
        raise CardError("card.audience_mismatch", expected=origin, found=proof_origin)
    if parsed.purpose != purpose:
        raise CardError("card.purpose_mismatch", expected=purpose, found=parsed.purpose)
    # 2. Wallet mode binds exactly the wallet key the verifier expects, and only then.
    expected_thumbprint = jwk_thumbprint(dict(wallet_jwk)) if wallet_jwk is not None else None
    if parsed.wallet_jwk_thumbprint != expected_thumbprint:
        raise CardError("card.wallet_key_mismatch")
    # 3. The certificate chains to a configured anchor, is valid now, may sign.
    if not parsed.x5c:
        raise CardError("card.proof_malformed", "x5c is empty")
    try:
        leaf, *rest = (load_certificate(der) for der in parsed.x5c)
    except CardError as exc:
        raise CardError("card.proof_malformed", "x5c holds a non-certificate") from exc
    chain = validate_certificate(
        leaf, anchors=anchors, now=now, intermediates=rest, kind=parsed.key, policies=policies
    )
    # 4. The card's signature covers the message rebuilt from the verifier's own values.
    public_key = rsa_public_key(leaf)
    nonce = _nonce_or_malformed(parsed.nonce)
    message = signed_message(origin, nonce, purpose, expected_thumbprint)
    try:
        verify_signature(public_key, parsed.signature, message)
    except ProofError as exc:
        raise CardError("card.signature_invalid") from exc
    # 5. Revocation, when a source is configured ("not checked" otherwise).
    status = check_revocation(leaf, chain.issuer, revocation, now=now)
    if status.status is RevocationStatus.REVOKED:
        raise CardError(
            "card.cert_revoked",
            source=status.source,
            revoked_at=status.revoked_at.isoformat() if status.revoked_at else None,
            reason=status.reason,
        )
    # 6. Last, the nonce: issued here, for this audience and purpose, unused, unexpired.
    challenge = consume_challenge(nonces, parsed.nonce, audience=origin, purpose=purpose, now=now)
    return BindingResult(
        x5t_s256=x5t_s256(leaf),
        kind=chain.kind,
        chain=chain,
        revocation=status,
        challenge=challenge,
        four_facts=four_facts(leaf) if chain.kind is CertKind.SIGN else None,
        wallet_jwk_thumbprint=expected_thumbprint,
        public_key=public_key,
    )


def _nonce_or_malformed(nonce: str) -> str:
    try:
        return check_nonce(nonce)
    except CardError as exc:
        raise CardError("card.proof_malformed", "the proof's nonce is malformed") from exc
