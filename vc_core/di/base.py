"""What every Data Integrity cryptosuite shares (VC Data Integrity 1.0 §2.1, §4).

A cryptosuite is a small object with a ``name``, the key types it accepts, and
two functions: create a proof over an unsecured document, and verify one
proof of a secured document. Proof sets, chains and purpose checks live in
:mod:`vc_core.di.proofs`, above the suites.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from vc_core.did import KeyResolver, VerificationMethod
from vc_core.errors import ProofError
from vc_core.jsonld.processor import Loader
from vc_core.keys import AnyPublicKey, Signer
from vc_core.vcdm import datetime_stamp

__all__ = [
    "DATA_INTEGRITY_PROOF",
    "Cryptosuite",
    "ProofOptions",
    "VerifiedProof",
    "format_datetime",
    "parse_datetime_stamp",
    "require_key",
]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"


def parse_datetime_stamp(value: Any) -> datetime:
    """Parse an XML Schema dateTimeStamp (time zone required) in the range every verifier
    can represent (see :func:`vc_core.vcdm.datetime_stamp`); else ``proof.created_invalid``."""
    moment = datetime_stamp(value)
    if moment is None:
        raise ProofError("proof.created_invalid", f"not a dateTimeStamp: {str(value)[:40]!r}")
    return moment


def format_datetime(moment: datetime) -> str:
    """A UTC dateTimeStamp with second precision, as proofs carry it."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ProofOptions:
    """The options of a proof to create (VC Data Integrity 1.0 §2.1 Proofs)."""

    verification_method: str
    proof_purpose: str = "assertionMethod"
    created: datetime | None = None
    expires: datetime | None = None
    challenge: str | None = None
    domain: str | None = None
    id: str | None = None
    previous_proof: str | Sequence[str] | None = None

    def to_proof(self, cryptosuite: str, *, now: Callable[[], datetime]) -> dict[str, Any]:
        """The proof object before its proofValue, in the members' usual order."""
        proof: dict[str, Any] = {"type": DATA_INTEGRITY_PROOF}
        if self.id is not None:
            proof["id"] = self.id
        proof["cryptosuite"] = cryptosuite
        proof["created"] = format_datetime(self.created or now())
        if self.expires is not None:
            proof["expires"] = format_datetime(self.expires)
        proof["verificationMethod"] = self.verification_method
        proof["proofPurpose"] = self.proof_purpose
        if self.challenge is not None:
            proof["challenge"] = self.challenge
        if self.domain is not None:
            proof["domain"] = self.domain
        if self.previous_proof is not None:
            proof["previousProof"] = (
                self.previous_proof
                if isinstance(self.previous_proof, str)
                else list(self.previous_proof)
            )
        return proof


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: which method signed it, for what purpose."""

    cryptosuite: str
    verification_method: VerificationMethod
    proof_purpose: str
    created: datetime | None
    proof: Mapping[str, Any]


class Cryptosuite(Protocol):
    """A Data Integrity cryptosuite (VC Data Integrity 1.0 §3)."""

    name: str

    def create_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        signer: Signer,
        loader: Loader,
        mandatory_pointers: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Return ``proof`` with its ``proofValue``, computed over ``unsecured_document``."""
        ...

    def verify_proof(
        self,
        unsecured_document: Mapping[str, Any],
        proof: Mapping[str, Any],
        *,
        loader: Loader,
        resolver: KeyResolver,
    ) -> VerificationMethod:
        """Verify one proof over ``unsecured_document``; return the method or raise ProofError."""
        ...


def require_key(
    method: VerificationMethod, accepted: Mapping[str, type[Any] | tuple[type[Any], ...]]
) -> AnyPublicKey:
    """The method's key if it is of an accepted kind, else ``proof.key_mismatch``."""
    for kind in accepted.values():
        if isinstance(method.public_key, kind):
            key: AnyPublicKey = method.public_key
            return key
    raise ProofError("proof.key_mismatch", f"{method.id} is not a {' or '.join(accepted)} key")


def without_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``document`` without its ``proof``."""
    return {k: v for k, v in document.items() if k != "proof"}


def proof_config(
    unsecured_document: Mapping[str, Any], proof: Mapping[str, Any], cryptosuite: str
) -> dict[str, Any]:
    """The proof configuration (DI ECDSA / EdDSA §3.x.5, steps 1–4), before canonicalization.

    1. Copy the proof options without ``proofValue``. 2. The type must be
    DataIntegrityProof and the cryptosuite this one. 3. ``created``, when
    present, must be a dateTimeStamp. 4. Set ``@context`` to the document's.
    """
    config = {k: copy.deepcopy(v) for k, v in proof.items() if k != "proofValue"}
    if config.get("type") != DATA_INTEGRITY_PROOF or config.get("cryptosuite") != cryptosuite:
        raise ProofError(
            "proof.cryptosuite_unsupported", f"not a DataIntegrityProof with {cryptosuite}"
        )
    if "created" in config:
        parse_datetime_stamp(config["created"])
    if "expires" in config:
        parse_datetime_stamp(config["expires"])
    config["@context"] = copy.deepcopy(unsecured_document.get("@context"))
    return config


def check_proof_context(secured_document: Mapping[str, Any], proof: Mapping[str, Any]) -> None:
    """When a proof has its own ``@context``, the document's must start with it (DI §4.4 step)."""
    if "@context" not in proof:
        return
    own = proof["@context"]
    own_list = own if isinstance(own, list) else [own]
    doc = secured_document.get("@context")
    doc_list = doc if isinstance(doc, list) else [doc]
    if doc_list[: len(own_list)] != own_list:
        raise ProofError("proof.malformed", "the proof's @context does not prefix the document's")


def utc_now() -> datetime:
    return datetime.now(UTC)
