"""Whose key may hold a credential: :class:`KeyProofPolicy`, the seam to card enrolment.

A key proof (:class:`~issuer.oid4vci.jwt_proofs.KeyProof`) shows that the wallet holds a key;
it does not show that the key belongs to the person the register names. ARCHITECTURE.md
("Binding to the holder's JPKI certificate") settles that at enrolment
(:mod:`issuer.enrolment`): in **card** mode the key is the My Number Card's, its certificate
chains to the JPKI roots and its four facts match the register record; in **wallet** mode the
card signed a statement over the wallet key's thumbprint, and the board recorded the link.

The credential endpoint asks a :class:`KeyProofPolicy` for every proof, with the record the
grant was offered for, and issues to the :class:`Holder` it answers (or stops at the
``oauth.invalid_proof`` it raises). :class:`ProofKeyTypes` is the policy that checks what the
proof alone can show — ES256 on P-256 is a wallet key, RS256 (RSA ≥ 2048, as ``jwk`` or as the
card certificate's ``x5c``) a card key — and nothing about the person: the board's HTTP app
wires an enrolment-backed policy in its place, and an issuer outside development refuses to
start without one (:class:`issuer.oid4vci.service.Oid4vciIssuer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from issuer.jose_forms import HolderBinding
from issuer.oid4vci.jwt_proofs import KeyProof
from issuer.store import StoredRecord
from vc_core.errors import OAuthError
from vc_core.keys import AnyPublicKey

__all__ = ["Holder", "HolderMode", "KeyProofPolicy", "ProofKeyTypes"]

HolderMode = Literal["wallet", "card"]


@dataclass(frozen=True)
class Holder:
    """The key a credential is bound to, how (``cnf``), and in which binding mode."""

    key: AnyPublicKey
    binding: HolderBinding
    mode: HolderMode


class KeyProofPolicy(Protocol):
    """Decides whether the key of a checked key proof may hold ``record``'s credential."""

    def holder(self, proof: KeyProof, *, record: StoredRecord) -> Holder:
        """The holder to issue to, or raise ``oauth.invalid_proof`` (or a ``card.*`` code)."""
        ...


@dataclass(frozen=True)
class ProofKeyTypes:
    """Only the key's type decides (see the module): not a check of the person."""

    card_keys: bool = True

    def holder(self, proof: KeyProof, *, record: StoredRecord) -> Holder:
        key = proof.key
        if isinstance(key, ec.EllipticCurvePublicKey) and proof.algorithm == "ES256":
            if proof.certificate is not None:
                raise OAuthError("oauth.invalid_proof", "a wallet key is sent as jwk, not x5c")
            return Holder(key, HolderBinding.of_key(key), "wallet")
        if isinstance(key, rsa.RSAPublicKey) and proof.algorithm == "RS256" and self.card_keys:
            if proof.certificate is not None:
                return Holder(key, HolderBinding.of_certificate(proof.certificate), "card")
            return Holder(key, HolderBinding.of_key(key), "card")
        raise OAuthError(
            "oauth.invalid_proof", f"a {proof.algorithm} key cannot hold this credential"
        )
