"""Whose key may hold a credential: :class:`KeyProofPolicy`, the seam to card enrolment.

A key proof (:class:`~issuer.oid4vci.jwt_proofs.KeyProof`) shows that the wallet holds a key;
it does not show that the key belongs to the person the register names. ARCHITECTURE.md
("Binding to the holder's JPKI certificate") settles that at enrolment
(:mod:`issuer.enrolment`): in **card** mode the key is the My Number Card's, its certificate
chains to the JPKI roots and its four facts match the register record; in **wallet** mode the
card signed a statement over the wallet key's thumbprint, and the board recorded the link.

The credential endpoint asks a :class:`KeyProofPolicy` for every proof, with the record the
grant was offered for, and issues to the :class:`Holder` it answers (or stops at the
``oauth.invalid_proof`` it raises). Two policies:

- :class:`EnrolledKeys` (for a board in service): only a key the subject enrolled
  (:class:`issuer.enrolment.Enrolment`, the ``enrolments`` table) may hold the credential, in
  the mode it was enrolled in — a card key signs RS256 (its certificate, when sent as ``x5c``,
  must be the enrolled one), a wallet key ES256 — and ``cnf`` is the enrolled binding (with
  the certificate's ``x5t#S256`` in card mode).
- :class:`ProofKeyTypes` checks only what the proof alone can show — ES256 on P-256 is a wallet
  key, RS256 (RSA ≥ 2048, as ``jwk`` or as the card certificate's ``x5c``) a card key — and
  nothing about the person. It is a development board's default (tests, the demo); outside
  development :class:`issuer.oid4vci.service.Oid4vciIssuer` uses :class:`EnrolledKeys` unless
  told otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final, Literal, Protocol

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy.orm import Session

from issuer.jose_forms import HolderBinding
from issuer.oid4vci.jwt_proofs import KeyProof
from issuer.store import BoardStore, StoredRecord
from issuer.store.enrolments import EnrolmentRow
from jpki_bridge.certs import x5t_s256
from vc_core.errors import OAuthError
from vc_core.keys import AnyPublicKey

__all__ = ["EnrolledKeys", "Holder", "HolderMode", "KeyProofPolicy", "ProofKeyTypes"]

#: The proof algorithm each binding mode's key signs with (HAIP: ES256 wallet keys).
_ALGORITHMS: Final = {"wallet": "ES256", "card": "RS256"}

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


@dataclass(frozen=True)
class EnrolledKeys:
    """Only keys the subject enrolled with the My Number Card may hold (see the module)."""

    store: BoardStore

    def holder(self, proof: KeyProof, *, record: StoredRecord) -> Holder:
        def work(session: Session) -> EnrolmentRow | None:
            query = (
                sa.select(EnrolmentRow)
                .where(
                    EnrolmentRow.subject_id == record.subject_id,
                    EnrolmentRow.holder_thumbprint == proof.jkt,
                )
                .order_by(EnrolmentRow.id.desc())
                .limit(1)
            )
            return session.scalars(query).first()

        row = self.store.transact(work, durable=False)
        if row is None:
            raise OAuthError(
                "oauth.invalid_proof",
                "this key is not enrolled for the holder: enrol it with the My Number Card",
            )
        mode: HolderMode = "card" if row.mode == "card" else "wallet"
        if proof.algorithm != _ALGORITHMS[mode]:
            raise OAuthError("oauth.invalid_proof", f"a {mode} key proves with {_ALGORITHMS[mode]}")
        certificate = proof.certificate
        if certificate is not None and (mode != "card" or x5t_s256(certificate) != row.x5t_s256):
            raise OAuthError("oauth.invalid_proof", "x5c is not the enrolled card certificate")
        return Holder(proof.key, HolderBinding(json.loads(row.holder_jwk), row.x5t_s256), mode)
