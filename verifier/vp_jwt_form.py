"""``vp+jwt`` in the pipeline: the holder's JOSE presentation of W3C-form credentials.

The holder's signature over our nonce and audience is ``holder_binding``; in card mode the
``x5c`` chain must reach a configured JPKI root (``holder_certificate``, JPKI.md); the nonce is
consumed (``nonce``). Every credential carried — a Data Integrity credential, or an
``EnvelopedVerifiableCredential`` holding a ``vc+jwt`` or ``vc+sd-jwt`` — is verified on its
own and must belong to the signer: its ``credentialSubject.id`` is the holder's DID, or its
``cnf.jwk`` is the holder's key (``holder.subject_mismatch`` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jpki_bridge.certs import CertKind
from jpki_bridge.validation import validate_certificate
from vc_core.errors import HolderError, KeyBindingError, ShikakuError, VerifyError
from vc_core.formats import Format
from vc_core.jose.vp import ENVELOPED, VerifiedVpJwt, load_certificates, unenvelope, verify_vp_jwt
from verifier.checks.assemble import Checks
from verifier.checks.nonce import consume_nonce
from verifier.di_forms import verify_ldp_vc
from verifier.jose_forms import verify_jose_form
from verifier.policy import PRESENTATION_CHECKS, CheckName, VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult, presentation_result

__all__ = ["verify_vp_jwt_form"]

_FORMAT_CODES = frozenset({"jose.malformed", "jose.typ_invalid"})


def verify_vp_jwt_form(
    text: str, policy: VerifierPolicy, options: VerifyOptions, wanted: frozenset[CheckName]
) -> VerificationResult:
    checks = Checks(wanted, policy.required)
    try:
        vp = verify_vp_jwt(
            text,
            now=policy.clock(),
            resolver=policy.key_resolver(),
            skew=policy.skew,
            max_age=policy.kb_max_age,
        )
        _expected(vp, options)
    except ShikakuError as exc:
        name = CheckName.FORMAT if exc.code in _FORMAT_CODES else CheckName.HOLDER_BINDING
        checks.failed(name, exc)
        return VerificationResult(Format.VP_JWT, checks.verdict())
    checks.passed(CheckName.FORMAT)
    checks.passed(CheckName.HOLDER_BINDING, holder=vp.holder, kid=vp.kid)
    _certificate(checks, policy, vp)
    consume_nonce(checks, policy, vp.nonce, vp.audience, options)
    carried = vp.presentation.get("verifiableCredential")
    items = carried if isinstance(carried, list) else [carried] if carried else []
    if not items:
        checks.failed(CheckName.FORMAT, VerifyError("verify.presentation_empty"))
        return VerificationResult(Format.VP_JWT, checks.verdict(), holder=vp.holder)
    results = [_credential(item, vp, policy, wanted, checks) for item in items]
    for result in results:
        for check in result.verdict.checks:
            if check.name not in PRESENTATION_CHECKS:
                checks.add(CheckName(check.name), check)
    return presentation_result(Format.VP_JWT, checks.verdict(), tuple(results), vp.holder)


def _expected(vp: VerifiedVpJwt, options: VerifyOptions) -> None:
    if options.nonce is not None and vp.nonce != options.nonce:
        raise KeyBindingError("kb.nonce_mismatch", "the vp+jwt was made for another nonce")
    if options.audience is not None and vp.audience != options.audience:
        raise KeyBindingError("kb.audience_mismatch", "the vp+jwt was made for another verifier")


def _certificate(checks: Checks, policy: VerifierPolicy, vp: VerifiedVpJwt) -> None:
    if not checks.wants(CheckName.HOLDER_CERTIFICATE):
        return
    if not vp.certificates:
        checks.not_applicable(CheckName.HOLDER_CERTIFICATE, "the holder key is not a card's")
        return
    if policy.card_anchors is None:
        return  # Card mode with no JPKI roots configured: could not verify (assembled).
    anchors = policy.card_anchors

    def validate() -> dict[str, Any]:
        leaf, *rest = load_certificates(vp.certificates)
        chain = validate_certificate(
            leaf, anchors=anchors, now=policy.clock(), intermediates=rest, kind=CertKind.AUTH
        )
        return {"anchor": chain.anchor.subject.rfc4514_string()}

    checks.run(CheckName.HOLDER_CERTIFICATE, validate)


def _credential(
    item: Any,
    vp: VerifiedVpJwt,
    policy: VerifierPolicy,
    wanted: frozenset[CheckName],
    checks: Checks,
) -> VerificationResult:
    inner_wanted = wanted - PRESENTATION_CHECKS
    if isinstance(item, Mapping) and item.get("type") == ENVELOPED:
        try:
            media_type, secured = unenvelope(item)
        except ShikakuError as exc:
            inner = Checks(inner_wanted, policy.required)
            inner.failed(CheckName.FORMAT, exc)
            return VerificationResult(None, inner.verdict())
        form = Format(media_type.removeprefix("application/"))
        result = verify_jose_form(secured, form, policy, VerifyOptions(), inner_wanted)
    else:
        result = verify_ldp_vc(item, policy, Checks(inner_wanted, policy.required), presented=True)
    if result.holder is None or result.holder not in (vp.holder, vp.thumbprint):
        checks.failed(
            CheckName.HOLDER_BINDING,
            HolderError(
                "holder.subject_mismatch", "a credential in the vp+jwt is not the signer's"
            ),
        )
    return result
