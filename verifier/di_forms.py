"""Data Integrity forms in the pipeline: a credential (``ldp_vc``) and a presentation (``ldp_vp``).

A credential (VC DI 1.0 §4.5, VCDM 2.0 §4): the data-model rules, every proof against the
issuer's key with ``proofPurpose: assertionMethod``, the validity period, then the pipeline's
own checks — issuer binding and trust, status, schema.

A presentation (VC DI 1.0 §2.1.2, "authentication" proofs with ``challenge`` and ``domain``):
the holder's proof over the verifier's challenge is the ``holder_binding`` check; its signer
must be every credential's ``credentialSubject.id`` (``holder.subject_mismatch``), and its
challenge is consumed from the verifier's nonce store (``nonce``), so a replay is refused.
Each credential it carries is then verified as above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from vc_core import di
from vc_core.di.base import VerifiedProof
from vc_core.errors import CredentialError, HolderError, ShikakuError, VerifyError
from vc_core.formats import Format
from vc_core.status import issuer_id
from vc_core.vcdm import credential_problems, presentation_problems
from verifier.checks.assemble import Checks
from verifier.checks.issuer import check_di_binding, check_trust
from verifier.checks.nonce import consume_nonce
from verifier.checks.status import check_di_status
from verifier.checks.subject import check_schema, qualification_id, qualification_info, subject_of
from verifier.policy import PRESENTATION_CHECKS, CheckName, VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult, presentation_result

__all__ = ["verify_ldp_vc", "verify_ldp_vp"]

_OUT_OF_PERIOD = frozenset({"credential.not_yet_valid", "credential.expired"})


def verify_ldp_vc(
    credential: Any, policy: VerifierPolicy, checks: Checks, *, presented: bool = False
) -> VerificationResult:
    """Verify one Data Integrity credential into ``checks``; ``presented`` when a verified
    presentation carried it (its holder checks are the presentation's)."""
    if not isinstance(credential, Mapping):
        checks.failed(CheckName.FORMAT, CredentialError("credential.malformed"))
        return VerificationResult(Format.LDP_VC, checks.verdict())
    checks.passed(CheckName.FORMAT)
    now = policy.clock()
    found = credential_problems(credential, now=now)
    model = [p for p in found if p.code not in _OUT_OF_PERIOD]
    if model:
        checks.failed(CheckName.DATA_MODEL, model[0])
    else:
        checks.passed(CheckName.DATA_MODEL)
        late = [p for p in found if p.code in _OUT_OF_PERIOD]
        if late:
            checks.failed(CheckName.VALIDITY, late[0])
        else:
            checks.passed(CheckName.VALIDITY)
    proofs = _issuer_proofs(credential, policy, checks)
    issuer = _issuer(credential)
    if issuer is not None:
        check_di_binding(checks, policy, issuer, [p.verification_method for p in proofs])
    qualification = qualification_id(credential)
    issuer_info = check_trust(checks, policy, issuer, qualification) if issuer else None
    status = check_di_status(checks, policy, credential)
    derived = any(p.cryptosuite == "ecdsa-sd-2023" for p in proofs)
    check_schema(
        checks, policy.catalogue, credential, kind="disclosed" if derived else "credential"
    )
    if not presented:
        _no_presentation(checks)
    verdict = checks.verdict()
    return VerificationResult(
        Format.LDP_VC,
        verdict,
        credential=credential if verdict.verified else None,
        subject=subject_of(credential),
        issuer=issuer_info,
        qualification=qualification_info(policy.catalogue, qualification),
        valid_from=_text(credential.get("validFrom")),
        valid_until=_text(credential.get("validUntil")),
        status=status,
        holder=_subject_id(credential),
    )


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    value = subject.get("id") if isinstance(subject, Mapping) else None
    return value if isinstance(value, str) else None


def _issuer_proofs(
    credential: Mapping[str, Any], policy: VerifierPolicy, checks: Checks
) -> list[VerifiedProof]:
    try:
        proofs = di.verify(
            credential,
            loader=policy.loader,
            resolver=policy.key_resolver(),
            expected_purpose="assertionMethod",
            now=policy.clock,
        )
    except ShikakuError as exc:
        name = CheckName.ISSUER_BINDING if exc.code.startswith("trust.") else CheckName.PROOF
        checks.failed(name, exc)
        return []
    first = proofs[0]
    checks.passed(
        CheckName.PROOF,
        proofs=len(proofs),
        cryptosuite=first.cryptosuite,
        verificationMethod=first.verification_method.id,
    )
    return proofs


def _issuer(credential: Mapping[str, Any]) -> str | None:
    try:
        return issuer_id(credential)
    except ShikakuError:
        return None  # The data-model check has already said so.


def _no_presentation(checks: Checks) -> None:
    """A bare credential proves nothing about who shows it."""
    if CheckName.HOLDER_BINDING in checks.required:
        checks.failed(
            CheckName.HOLDER_BINDING,
            HolderError("holder.binding_missing", "a credential was sent without a presentation"),
        )
    else:
        checks.not_applicable(CheckName.HOLDER_BINDING, "no presentation")
    checks.not_applicable(CheckName.NONCE, "no presentation")
    checks.not_applicable(CheckName.HOLDER_CERTIFICATE, "no presentation")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def verify_ldp_vp(
    presentation: Any, policy: VerifierPolicy, options: VerifyOptions, wanted: frozenset[CheckName]
) -> VerificationResult:
    checks = Checks(wanted, policy.required)
    credentials = _credentials_of(presentation, checks)
    if credentials is None:
        return VerificationResult(Format.LDP_VP, checks.verdict())
    if not credentials:
        _bare_presentation(presentation, checks)
    # With no credential, the holder's proof is the presentation's only proof; and where the
    # holder binding was not asked for (a conformance check of the proofs alone), the
    # presentation's proof is still one of the proofs asked for.
    binding_asked = checks.wants(CheckName.HOLDER_BINDING)
    proved_as = CheckName.HOLDER_BINDING if credentials and binding_asked else CheckName.PROOF
    holder, proof = _holder_proof(presentation, policy, options, checks, proved_as)
    if holder is not None:
        _same_holder(checks, holder, credentials)
    if proof is not None:
        consume_nonce(checks, policy, proof.get("challenge"), proof.get("domain"), options)
    checks.not_applicable(CheckName.HOLDER_CERTIFICATE, "a Data Integrity key, not a card")
    results = []
    for credential in credentials:
        inner = Checks(wanted - PRESENTATION_CHECKS, policy.required)
        results.append(verify_ldp_vc(credential, policy, inner, presented=True))
        for check in results[-1].verdict.checks:
            if check.name not in PRESENTATION_CHECKS:
                checks.add(CheckName(check.name), check)
    return presentation_result(Format.LDP_VP, checks.verdict(), tuple(results), holder)


def _credentials_of(presentation: Any, checks: Checks) -> list[Any] | None:
    if not isinstance(presentation, Mapping):
        checks.failed(CheckName.FORMAT, CredentialError("credential.malformed"))
        return None
    carried = presentation.get("verifiableCredential")
    items = carried if isinstance(carried, list) else [] if carried is None else [carried]
    if not items and checks.wanted & CREDENTIAL_CHECKS:
        # Who issued what, its status and its schema: a presentation with no credential has
        # none of them to show, and a check that was asked for cannot pass on nothing.
        checks.failed(CheckName.FORMAT, VerifyError("verify.presentation_empty"))
        return None
    return items


#: The checks only a credential can answer.
CREDENTIAL_CHECKS: Final = frozenset(
    {CheckName.ISSUER_BINDING, CheckName.ISSUER_TRUST, CheckName.STATUS, CheckName.SCHEMA}
)


def _bare_presentation(presentation: Mapping[str, Any], checks: Checks) -> None:
    """A presentation with no credential (VCDM 2.0 allows one: it proves who holds a key,
    over the verifier's challenge). Its own data model is what there is to check."""
    checks.passed(CheckName.FORMAT)
    problems = presentation_problems(presentation)
    if problems:
        checks.failed(CheckName.DATA_MODEL, problems[0])
    else:
        checks.passed(CheckName.DATA_MODEL)
    checks.not_applicable(CheckName.VALIDITY, "the presentation carries no credential")


def _holder_proof(
    presentation: Mapping[str, Any],
    policy: VerifierPolicy,
    options: VerifyOptions,
    checks: Checks,
    proved_as: CheckName = CheckName.HOLDER_BINDING,
) -> tuple[str | None, Mapping[str, Any] | None]:
    """The presentation's ``authentication`` proof over the challenge: who the holder is
    (recorded as the ``proved_as`` check)."""
    try:
        proofs = di.verify(
            presentation,
            loader=policy.loader,
            resolver=policy.key_resolver(),
            expected_purpose="authentication",
            challenge=options.nonce,
            domain=options.audience,
            now=policy.clock,
        )
    except ShikakuError as exc:
        checks.failed(proved_as, exc)
        return None, None
    method = proofs[0].verification_method
    holder = method.controller or method.id.split("#", 1)[0]
    declared = presentation.get("holder")
    declared_id = declared.get("id") if isinstance(declared, Mapping) else declared
    if declared_id is not None and declared_id != holder:
        checks.failed(
            proved_as,
            HolderError("holder.subject_mismatch", "the presentation's holder did not sign it"),
        )
        return None, None
    checks.passed(proved_as, holder=holder, verificationMethod=method.id)
    return holder, proofs[0].proof


def _same_holder(checks: Checks, holder: str, credentials: Sequence[Any]) -> None:
    for credential in credentials:
        subject = credential.get("credentialSubject") if isinstance(credential, Mapping) else None
        subject_id = subject.get("id") if isinstance(subject, Mapping) else None
        if subject_id != holder:
            checks.failed(
                CheckName.HOLDER_BINDING,
                HolderError(
                    "holder.subject_mismatch",
                    f"the credential's holder is {str(subject_id)[:80]}, not the presenter",
                ),
            )
            return
