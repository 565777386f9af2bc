"""The JOSE forms in the pipeline: ``dc+sd-jwt``, ``vc+sd-jwt`` and ``vc+jwt``.

:func:`verifier.jose.verify_jose` runs the form's own steps (``typ``, algorithm allowlist,
issuer signature and disclosures, time claims, KB-JWT, the qualification's schema on what was
disclosed, the JPKI chain of a card-bound holder); here the pipeline adds what an employer
relies on beyond them, in the one vocabulary:

- ``issuer_binding`` — the key resolver (the trust registry's, or offline DIDs) found a key
  that belongs to ``iss``; a ``kid`` of another DID, an ``x5c`` leaf naming another host, or
  nothing resolvable fail here rather than pass as "the signature verifies";
- ``issuer_trust`` — the registry lets ``iss`` issue the ``vct``'s qualification;
- ``status`` — the Referenced Token's status list, signed by the same issuer key;
- ``holder_binding`` — required: a ``cnf``-bound credential without a KB-JWT is
  ``holder.binding_missing`` even when the caller gave no nonce (a copied credential must
  not pass); a credential with no ``cnf`` at all is bound to nobody and refused likewise;
- ``nonce`` — the KB-JWT's nonce is consumed from the verifier's store.

When the caller does not know the nonce in advance (VC-API, the CLI), the KB-JWT's own nonce
and audience are read first and then checked for real: signature, ``sd_hash``, and that the
nonce is one this verifier issued (consumed), for that audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vc_core.codecs import b64url_decode
from vc_core.errors import HolderError, ShikakuError, TrustError, VerifyError
from vc_core.formats import Format
from vc_core.jose.jws import Jws, strict_json_loads
from vc_core.keys import jwk_thumbprint
from vc_core.sdjwt import IssuerKey, IssuerKeyResolver, did_issuer_key
from vc_core.sdjwt.verify import issuer_of
from verifier.checks.assemble import Checks
from verifier.checks.issuer import check_trust
from verifier.checks.nonce import consume_nonce
from verifier.checks.status import check_token_status
from verifier.checks.subject import qualification_id, qualification_info, subject_of
from verifier.jose import verify_jose
from verifier.policy import CheckName, VerifierPolicy, VerifyOptions
from verifier.result import VerificationResult

__all__ = ["verify_jose_form"]


class _Recording:
    """An issuer key resolver that remembers what it resolved, for the binding check."""

    def __init__(self, inner: IssuerKeyResolver) -> None:
        self.inner = inner
        self.resolved: IssuerKey | None = None
        self.issuer: str | None = None

    def __call__(self, jws: Jws) -> IssuerKey:
        resolved = self.inner(jws)
        self.resolved = resolved
        self.issuer = issuer_of(jws.payload)
        return resolved


def _peek_kb(text: str) -> tuple[str | None, str | None]:
    """The unverified ``nonce`` and ``aud`` of a compact SD-JWT's KB-JWT, if it has one."""
    stripped = text.strip()
    if "~" not in stripped or stripped.endswith("~"):
        return None, None
    try:
        payload = strict_json_loads(b64url_decode(stripped.rsplit("~", 1)[1].split(".")[1]))
    except (ShikakuError, IndexError):
        return None, None
    if not isinstance(payload, dict):
        return None, None
    nonce, aud = payload.get("nonce"), payload.get("aud")
    return (nonce if isinstance(nonce, str) else None, aud if isinstance(aud, str) else None)


def verify_jose_form(
    text: str,
    form: Format,
    policy: VerifierPolicy,
    options: VerifyOptions,
    wanted: frozenset[CheckName],
) -> VerificationResult:
    checks = Checks(wanted, policy.required)
    resolver = _Recording(
        policy.issuer_keys.jose_issuer_key() if policy.issuer_keys is not None else did_issuer_key
    )
    peeked_nonce, peeked_aud = _peek_kb(text) if form is not Format.VC_JWT else (None, None)
    nonce = options.nonce or peeked_nonce
    audience = options.audience or peeked_aud
    if (nonce is None) != (audience is None):
        nonce = audience = None
    now = policy.clock()
    result = verify_jose(
        text,
        now=now,
        nonce=nonce,
        audience=audience,
        issuer_key=resolver,
        status=None,
        card_anchors=policy.card_anchors,
        catalogue=policy.catalogue,
        kb_max_age=policy.kb_max_age,
        skew=policy.skew,
        forms=(str(form),),
    )
    checks.absorb(c for c in result.verdict.checks if c.name != "status.token")
    payload = result.result.payload
    claims = result.result.processed.claims if result.result.processed is not None else payload
    _binding(checks, resolver)
    issuer = issuer_of(payload)
    qualification = qualification_id(claims)
    issuer_info = check_trust(checks, policy, issuer, qualification) if issuer else None
    # The status list must be signed by the issuer's key: the key the binding check accepted
    # (or, when the caller did not ask for binding, the key that signed).
    trusted_key = checks.ok(CheckName.ISSUER_BINDING) or not checks.wants(CheckName.ISSUER_BINDING)
    bound = resolver.resolved is not None and trusted_key
    key = resolver.resolved.key if bound and resolver.resolved is not None else None
    status = check_token_status(checks, policy, claims, key=key, issuer=issuer)
    _holder(checks, policy, form, payload)
    _card_anchors(checks, policy, payload)
    if result.result.key_binding is not None:
        kb = result.result.key_binding.payload
        consume_nonce(checks, policy, kb.get("nonce"), kb.get("aud"), options)
    else:
        checks.not_applicable(CheckName.NONCE, "no holder proof carried a nonce")
    verdict = checks.verdict()
    document = claims
    return VerificationResult(
        form,
        verdict,
        credential=result.claims if verdict.verified else None,
        subject=subject_of(document),
        issuer=issuer_info,
        qualification=qualification_info(policy.catalogue, qualification),
        valid_from=_date(document, "validFrom", payload.get("nbf") or payload.get("iat")),
        valid_until=_date(document, "validUntil", payload.get("exp")),
        status=status,
        holder=_holder_of(payload),
    )


def _holder_of(payload: Mapping[str, Any]) -> str | None:
    """Who the credential is bound to: its ``cnf.jwk`` thumbprint, else ``sub``."""
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if isinstance(jwk, Mapping):
        try:
            return jwk_thumbprint({str(k): str(v) for k, v in jwk.items()})
        except (ShikakuError, KeyError):
            return None
    sub = payload.get("sub")
    return sub if isinstance(sub, str) else None


def _date(document: Mapping[str, Any], member: str, epoch: Any) -> str | None:
    value = document.get(member)
    if isinstance(value, str):
        return value
    if isinstance(epoch, int) and not isinstance(epoch, bool):
        try:
            return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _binding(checks: Checks, resolver: _Recording) -> None:
    if checks.get(CheckName.ISSUER_BINDING) is not None or not checks.wants(
        CheckName.ISSUER_BINDING
    ):
        return  # Already failed with the resolver's own code, or not requested.
    resolved = resolver.resolved
    if resolved is None:
        # The signature step never got a key (the proof check says why, as a failure).
        checks.not_applicable(CheckName.ISSUER_BINDING, "no key was resolved to bind")
        return
    if resolved.controller is not None and resolved.controller == resolver.issuer:
        checks.passed(CheckName.ISSUER_BINDING, kid=resolved.kid or "", controller=resolver.issuer)
        return
    checks.failed(
        CheckName.ISSUER_BINDING,
        TrustError(
            "trust.key_mismatch",
            f"the signing key belongs to {str(resolved.controller)[:80]}, "
            f"not to the issuer {str(resolver.issuer)[:80]}",
        ),
    )


def _holder(
    checks: Checks, policy: VerifierPolicy, form: Format, payload: Mapping[str, Any]
) -> None:
    """A holder proof is required under the employer policy, whatever the caller passed."""
    if not checks.wants(CheckName.HOLDER_BINDING):
        return
    found = checks.get(CheckName.HOLDER_BINDING)
    if found is not None and found.ok is not None:
        return  # The KB-JWT was checked: passed or failed on its own.
    if CheckName.HOLDER_BINDING not in policy.required or not payload:
        return  # Not required, or nothing could be read: the format check says why.
    if form is Format.VC_JWT:
        message = "a vc+jwt carries no holder proof; present it inside a vp+jwt"
    elif isinstance(payload.get("cnf"), Mapping):
        message = "the credential is bound to a holder key but came without a KB-JWT"
    else:
        message = "the credential is bound to no holder (no cnf)"
    checks.failed(CheckName.HOLDER_BINDING, HolderError("holder.binding_missing", message))


def _card_anchors(checks: Checks, policy: VerifierPolicy, payload: Mapping[str, Any]) -> None:
    """A card-bound holder's certificate must chain to JPKI roots we were given."""
    cnf = payload.get("cnf")
    card_bound = isinstance(cnf, Mapping) and "x5t#S256" in cnf
    if not checks.wants(CheckName.HOLDER_CERTIFICATE):
        return
    if card_bound and policy.card_anchors is None:
        checks.failed(
            CheckName.HOLDER_CERTIFICATE,
            VerifyError("verify.check_unavailable", "no JPKI trust anchors are configured"),
        )
    elif not card_bound:
        checks.not_applicable(CheckName.HOLDER_CERTIFICATE, "the holder key is not a card's")
