"""Adding and verifying Data Integrity proofs, proof sets and proof chains (VC DI 1.0 §4).

- :func:`sign` adds a proof (§4.2 Add Proof). A document that already has
  proofs gets one more in its proof *set*; with ``previous_proof`` the new
  proof also signs the proofs it names, forming a *chain* (§4.3 Add Proof
  Set/Chain).
- :func:`verify` verifies every proof of a document (§4.4 Verify Proof, §4.5
  Verify Proof Sets and Chains) and raises on the first one that fails, with
  its index; it returns what each proof proved.
- :func:`derive` turns an ``ecdsa-sd-2023`` base proof into a disclosure, and
  :func:`verify_base` is the holder's check of such a base credential on receipt.
  :func:`verify` refuses a base proof (``proof.base_proof``): a verifier accepts only
  derived ones.

Clock, loader and key resolver are parameters, never globals. Every entry point refuses a
document larger than JSON-LD processing may take on (``jsonld.too_large``, see
:data:`vc_core.jsonld.processor.MAX_JSONLD_VALUES`) before any work starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from vc_core.di.base import (
    Cryptosuite,
    ProofOptions,
    VerifiedProof,
    check_proof_context,
    parse_datetime_stamp,
    utc_now,
    without_proof,
)
from vc_core.di.ecdsa_rdfc_2019 import EcdsaRdfc2019
from vc_core.di.eddsa_rdfc_2022 import EddsaRdfc2022
from vc_core.did import KeyResolver, did_key_from_public_key, resolve_verification_method
from vc_core.errors import CredentialError, ProofError, ShikakuError
from vc_core.jsonld.processor import Loader, check_jsonld_size
from vc_core.keys import Signer
from vc_core.vcdm import check_validity_dates

__all__ = [
    "SUITES",
    "default_verification_method",
    "derive",
    "sign",
    "suite_for",
    "verify",
    "verify_base",
]

SUITES: dict[str, Cryptosuite] = {
    EcdsaRdfc2019.name: EcdsaRdfc2019(),
    EddsaRdfc2022.name: EddsaRdfc2022(),
}


def _register_sd() -> None:
    # ecdsa-sd-2023 lives in its own module; it registers here when present.
    try:
        from vc_core.di.ecdsa_sd_2023 import EcdsaSd2023  # noqa: PLC0415
    except ImportError:  # pragma: no cover - the module ships with shikaku
        return
    SUITES[EcdsaSd2023.name] = EcdsaSd2023()


_register_sd()


def suite_for(name: str) -> Cryptosuite:
    """The cryptosuite called ``name``, or ``proof.cryptosuite_unsupported``."""
    suite = SUITES.get(name)
    if suite is None:
        raise ProofError("proof.cryptosuite_unsupported", f"unsupported cryptosuite {name!r}")
    return suite


def default_verification_method(signer: Signer) -> str:
    """``did:key:<mk>#<mk>`` for a signer whose key has a Multikey form."""
    did = did_key_from_public_key(signer.public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _proofs_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    proof = document.get("proof")
    if proof is None:
        return []
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs or not all(isinstance(p, dict) for p in proofs):
        raise ProofError("proof.malformed", "proof must be an object or a list of objects")
    return proofs


def _previous(proof: Mapping[str, Any]) -> list[str]:
    previous = proof.get("previousProof")
    if previous is None:
        return []
    ids = [previous] if isinstance(previous, str) else previous
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ProofError("proof.malformed", "previousProof must be a string or a list of strings")
    return ids


def _with_previous(
    unsecured: dict[str, Any], all_proofs: Sequence[Mapping[str, Any]], previous: list[str]
) -> dict[str, Any]:
    """The document a chained proof signs: the unsecured one plus the proofs it names."""
    if not previous:
        return unsecured
    by_id = {p.get("id"): p for p in all_proofs if "id" in p}
    missing = [i for i in previous if i not in by_id]
    if missing:
        raise ProofError("proof.previous_proof_missing", f"no proof with id {missing[0]!r}")
    return {**unsecured, "proof": [by_id[i] for i in previous]}


def sign(
    document: Mapping[str, Any],
    *,
    suite: str,
    signer: Signer,
    loader: Loader,
    verification_method: str | None = None,
    proof_purpose: str = "assertionMethod",
    created: datetime | None = None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    mandatory_pointers: Sequence[str] = (),
    now: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    """Return ``document`` with one more proof by ``signer`` (VC DI 1.0 §4.2, §4.3).

    The caller's document is not modified. Safe mode applies: a document with
    a term JSON-LD would drop is refused (``jsonld.undefined_term``).
    """
    if not isinstance(document, Mapping):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    check_jsonld_size(document)  # Before any JSON-LD work: jsonld.too_large.
    check_validity_dates(document)  # Never sign what no verifier accepts.
    cryptosuite = suite_for(suite)
    options = ProofOptions(
        verification_method=verification_method or default_verification_method(signer),
        proof_purpose=proof_purpose,
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        id=proof_id,
        previous_proof=previous_proof,
    )
    existing = _proofs_of(document)
    proof = options.to_proof(cryptosuite.name, now=now)
    unsecured = _with_previous(without_proof(document), existing, _previous(proof))
    signed = cryptosuite.create_proof(
        unsecured, proof, signer=signer, loader=loader, mandatory_pointers=mandatory_pointers
    )
    all_proofs = [*existing, signed]
    return {
        **without_proof(document),
        "proof": all_proofs[0] if len(all_proofs) == 1 else all_proofs,
    }


def verify(
    document: Mapping[str, Any],
    *,
    loader: Loader,
    resolver: KeyResolver = resolve_verification_method,
    expected_purpose: str | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    now: Callable[[], datetime] = utc_now,
) -> list[VerifiedProof]:
    """Verify every proof of ``document`` (VC DI 1.0 §4.4, §4.5); raise on the first failure.

    A failing proof raises its :class:`ProofError` with ``proof_index`` in its
    details. ``expected_purpose``, ``challenge`` and ``domain``, when given,
    must match each proof.
    """
    if not isinstance(document, Mapping):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    check_jsonld_size(document)  # Before any JSON-LD work: jsonld.too_large.
    proofs = _proofs_of(document)
    if not proofs:
        raise ProofError("proof.missing")
    unsecured = without_proof(document)
    results = []
    for index, proof in enumerate(proofs):
        try:
            results.append(
                _verify_one(
                    document,
                    unsecured,
                    proofs,
                    proof,
                    loader=loader,
                    resolver=resolver,
                    expected_purpose=expected_purpose,
                    challenge=challenge,
                    domain=domain,
                    now=now,
                )
            )
        except ShikakuError as exc:
            exc.details.setdefault("proof_index", index)
            raise
    return results


def _verify_one(
    document: Mapping[str, Any],
    unsecured: dict[str, Any],
    proofs: Sequence[Mapping[str, Any]],
    proof: Mapping[str, Any],
    *,
    loader: Loader,
    resolver: KeyResolver,
    expected_purpose: str | None,
    challenge: str | None,
    domain: str | None,
    now: Callable[[], datetime],
) -> VerifiedProof:
    for member in ("type", "verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(member), str):
            raise ProofError("proof.malformed", f"proof has no string {member}")
    cryptosuite = suite_for(str(proof.get("cryptosuite")))
    if expected_purpose is not None and proof["proofPurpose"] != expected_purpose:
        raise ProofError("proof.purpose_mismatch", f"expected {expected_purpose}")
    if challenge is not None and proof.get("challenge") != challenge:
        raise ProofError("proof.challenge_mismatch", "challenge does not match")
    if domain is not None and proof.get("domain") != domain:
        raise ProofError("proof.challenge_mismatch", "domain does not match")
    created = parse_datetime_stamp(proof["created"]) if "created" in proof else None
    if "expires" in proof and parse_datetime_stamp(proof["expires"]) < now():
        raise ProofError("proof.created_invalid", "the proof has expired")
    check_proof_context(document, proof)
    target = _with_previous(dict(unsecured), proofs, _previous(proof))
    if "@context" in proof:
        target["@context"] = proof["@context"]
    method = cryptosuite.verify_proof(target, proof, loader=loader, resolver=resolver)
    return VerifiedProof(cryptosuite.name, method, proof["proofPurpose"], created, proof)


def _sd_base(document: Mapping[str, Any], step: str) -> tuple[Mapping[str, Any], Any]:
    """The one ``ecdsa-sd-2023`` proof of ``document`` and ``step`` of that suite."""
    if not isinstance(document, Mapping):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    check_jsonld_size(document)  # Before any JSON-LD work: jsonld.too_large.
    base = [p for p in _proofs_of(document) if p.get("cryptosuite") == "ecdsa-sd-2023"]
    if len(base) != 1:
        raise ProofError("proof.cryptosuite_unsupported", f"{step} needs one ecdsa-sd-2023 proof")
    method = getattr(suite_for("ecdsa-sd-2023"), step, None)
    if method is None:  # pragma: no cover - the registered suite has every step
        raise ProofError("proof.cryptosuite_unsupported", f"this suite has no {step}")
    return base[0], method


def derive(
    document: Mapping[str, Any], *, selective_pointers: Sequence[str], loader: Loader
) -> dict[str, Any]:
    """Derive a selective disclosure from an ``ecdsa-sd-2023`` base proof."""
    proof, derive_fn = _sd_base(document, "derive")
    derived: dict[str, Any] = derive_fn(
        {**without_proof(document), "proof": proof},
        selective_pointers=list(selective_pointers),
        loader=loader,
    )
    return derived


def verify_base(
    document: Mapping[str, Any],
    *,
    loader: Loader,
    resolver: KeyResolver = resolve_verification_method,
) -> VerifiedProof:
    """The holder's check of the ``ecdsa-sd-2023`` base credential it received.

    Verifiers never call this: :func:`verify` refuses base proofs. It raises what
    :func:`verify` raises for a bad signature (``proof.invalid_signature``).
    """
    proof, verify_fn = _sd_base(document, "verify_base_proof")
    for member in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(member), str):
            raise ProofError("proof.malformed", f"proof has no string {member}")
    method = verify_fn(without_proof(document), proof, loader=loader, resolver=resolver)
    created = parse_datetime_stamp(proof["created"]) if "created" in proof else None
    return VerifiedProof("ecdsa-sd-2023", method, proof["proofPurpose"], created, proof)
