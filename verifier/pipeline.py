"""``verify(input, policy)``: one verification pipeline for every form shikaku accepts.

The employer hands over whatever the holder sent — a JSON-LD credential or presentation, a
compact JWS, an SD-JWT with or without a KB-JWT — and gets one
:class:`~verifier.result.VerificationResult` back, its checks named in one vocabulary
(:class:`~verifier.policy.CheckName`) whatever the form:

=============  =====================  ====================================  =====================
form           issuer's proof         holder binding                        status
=============  =====================  ====================================  =====================
``ldp_vc``     DI proofs              none: refused under the employer      BitstringStatusList
                                      policy (``holder.binding_missing``)
``ldp_vp``     DI proofs of each VC   the VP's ``authentication`` proof     BitstringStatusList
                                      over ``challenge``/``domain``
``vc+jwt``     JWS                    none (refused as above)               —
``vc+sd-jwt``  JWS + disclosures      KB-JWT                                Token Status List
``dc+sd-jwt``  JWS + disclosures      KB-JWT (wallet key or card, RS256)    Token Status List
=============  =====================  ====================================  =====================

Fail closed: the policy says which checks are required; a required check that cannot run is
"could not verify", a check the caller did not ask for (by default: one the policy does not
require) is reported as not requested, and the
outcome is derived from the checks (:class:`vc_core.verdict.Verdict`), never set by hand.
Primitives raise; this function does not, for any input: malformed input is a failed
``format`` check with its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vc_core.errors import CredentialError, ShikakuError, VerifyError
from vc_core.formats import JOSE_FORMATS, Format, detect_format
from vc_core.jsonio import decode_utf8, loads
from verifier.checks.assemble import Checks
from verifier.di_forms import verify_ldp_vc, verify_ldp_vp
from verifier.jose_forms import verify_jose_form
from verifier.policy import CheckName, VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult
from verifier.vp_jwt_form import verify_vp_jwt_form

__all__ = ["verify"]


def verify(
    value: str | bytes | Mapping[str, Any],
    policy: VerifierPolicy,
    options: VerifyOptions | None = None,
) -> VerificationResult:
    """Verify ``value`` (bytes, text, or already parsed JSON) under ``policy``."""
    options = options or VerifyOptions()
    # Asked for nothing in particular: the checks the policy requires, and only those. (The
    # employer policy requires every check; a conformance deployment requires fewer.)
    wanted = options.checks if options.checks is not None else policy.required
    form: Format | None = None
    try:
        if isinstance(value, bytes):
            value = decode_utf8(value, where="the input")
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            value = _json_object(value)
        form = detect_format(value)
        _accept(form, value, policy)
    except ShikakuError as exc:
        checks = Checks(wanted, frozenset())
        checks.failed(CheckName.FORMAT, exc)
        return VerificationResult(form, checks.verdict())
    if isinstance(value, str) and form is Format.VP_JWT:
        return verify_vp_jwt_form(value, policy, options, wanted)
    if isinstance(value, str):
        return verify_jose_form(value, form, policy, options, wanted)
    if form is Format.LDP_VP:
        return verify_ldp_vp(value, policy, options, wanted)
    return verify_ldp_vc(value, policy, Checks(wanted, policy.required))


def _accept(form: Format, value: str | Mapping[str, Any], policy: VerifierPolicy) -> None:
    if form not in policy.accepted:
        raise VerifyError("verify.format_not_accepted", f"{form} is not accepted here")
    if (form in JOSE_FORMATS) != isinstance(value, str):
        raise CredentialError("credential.malformed", f"not a {form} serialization shikaku reads")


def _json_object(text: str) -> Mapping[str, Any]:
    """Strict JSON within the input limits (:mod:`vc_core.jsonio`): what is not is refused
    with its ``input.*`` code (duplicate member names, as on the JOSE side; depth; size)."""
    document = loads(text, where="the input")
    if not isinstance(document, Mapping):
        raise CredentialError("credential.malformed", "the input is not a JSON object")
    return document
