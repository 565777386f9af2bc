"""Verifying an SD-JWT presentation into a verdict of named checks (RFC 9901 §7.1, §7.3).

The pipeline, each step a named check of the :class:`~vc_core.verdict.Verdict`:

- ``sd_jwt.format`` — the compact or JSON serialization parses (§4, §8), else nothing else
  runs;
- ``jose.typ`` — the issuer JWT's ``typ`` is one the caller accepts (RFC 7515 §4.1.9;
  ``dc+sd-jwt`` for SD-JWT VC, ``vc+sd-jwt`` for W3C VC-JOSE-COSE);
- ``sd_jwt.issuer_signature`` — §7.1 step 2: the key comes from the caller (a key, or a
  resolver over the header, by default the ``kid`` DID URL), the algorithm is on the
  allowlist and is the key's own (RFC 8725 §3.1), no ``crit``, and the signature verifies;
  for a general JSON serialization one verifying signature suffices (RFC 7515 §7.2.1);
- ``jose.validity_period`` — ``exp``, ``nbf`` and ``iat`` against ``now`` with a bounded skew
  (RFC 7519 §4.1.4–4.1.6); SD-JWT libraries often skip this, we never do;
- ``sd_jwt.disclosures`` — §7.1 step 3 (:mod:`vc_core.sdjwt.process`);
- ``sd_jwt.key_binding`` — §7.3 (:mod:`vc_core.sdjwt.kb`) when the verifier gives a nonce
  and an audience; without them the check does not apply (``ok`` None).

Every check that can run does, so a verdict names every problem of a tampered presentation;
the disclosed claims are returned only when the whole verdict is ``verified``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from vc_core.did import VerificationMethod, resolve_verification_method
from vc_core.errors import JoseError, ShikakuError
from vc_core.jose.claims import DEFAULT_SKEW, check_time_claims
from vc_core.jose.jws import ALLOWED_ALGORITHMS, Jws, check_typ, parse_jws, verify_jws
from vc_core.keys import AnyPublicKey
from vc_core.sdjwt.kb import KeyBinding, KeyBindingRequest, verify_key_binding
from vc_core.sdjwt.process import Processed, process_disclosures
from vc_core.sdjwt.serialization import SdJwt, parse_sd_jwt
from vc_core.verdict import Check, Verdict, run_check

__all__ = [
    "IssuerKey",
    "IssuerKeyResolver",
    "SdJwtVerification",
    "did_issuer_key",
    "issuer_of",
    "signature_check",
    "static_issuer_key",
    "verify_sd_jwt",
]


@dataclass(frozen=True)
class IssuerKey:
    """The issuer's verification key, and where it came from (for the verdict's details)."""

    key: AnyPublicKey
    kid: str | None = None
    controller: str | None = None


#: Finds the issuer's key for a parsed issuer JWT (its header and unverified payload).
IssuerKeyResolver = Callable[[Jws], IssuerKey]


def static_issuer_key(key: AnyPublicKey) -> IssuerKeyResolver:
    """A resolver that always answers ``key`` (the caller already knows the issuer's key)."""
    resolved = IssuerKey(key)
    return lambda _jws: resolved


@lru_cache(maxsize=256)
def _resolve(kid: str) -> VerificationMethod:
    # did:key and did:jwk resolution is pure, so a kid always resolves to the same key.
    return resolve_verification_method(kid)


_OFFLINE_DIDS = ("did:key:", "did:jwk:")


def did_issuer_key(jws: Jws) -> IssuerKey:
    """The key of the header's ``kid``, a did:key or did:jwk verification-method URL.

    When the issuer (``iss``, or a W3C credential's ``issuer``) is itself an offline-resolvable
    DID it must be the ``kid``'s controller (``jose.issuer_mismatch``); an issuer such as a
    did:web cannot be tied to the key offline, which the signature check reports in its
    details (``issuer_bound``).
    """
    kid = jws.header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JoseError("jose.key_unresolved", "the JWS header has no kid")
    method = _resolve(kid)
    issuer = issuer_of(jws.payload)
    if issuer is not None and issuer.startswith(_OFFLINE_DIDS) and issuer != method.controller:
        raise JoseError("jose.issuer_mismatch", f"iss is not the controller of {kid[:60]}")
    return IssuerKey(method.public_key, kid, method.controller)


@dataclass(frozen=True)
class SdJwtVerification:
    """A verdict and what was read: the signed header and payload, and when verified the
    disclosed claims and the key binding."""

    verdict: Verdict
    sd_jwt: SdJwt | None = None
    header: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)
    processed: Processed | None = None
    key_binding: KeyBinding | None = None

    @property
    def claims(self) -> dict[str, Any] | None:
        """The disclosed claims, only when the verdict is ``verified``."""
        if not self.verdict.verified or self.processed is None:
            return None
        return self.processed.claims


def issuer_of(payload: Mapping[str, Any]) -> str | None:
    """Who the payload says issued it: ``iss``, or a W3C credential's ``issuer`` (id)."""
    issuer = payload.get("iss", payload.get("issuer"))
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def signature_check(
    sd_jwt: SdJwt,
    resolver: IssuerKeyResolver,
    algorithms: Collection[str],
    *,
    name: str = "sd_jwt.issuer_signature",
    first: Jws | None = None,
) -> Check:
    """The signature check of the issuer JWT (any one of several JSON signatures);
    ``first`` is the already parsed first signature, if the caller has it."""
    failure: Check | None = None
    for index, compact in enumerate((sd_jwt.jwt, *sd_jwt.other_signatures)):

        def verify(compact: str = compact, index: int = index) -> tuple[Jws, IssuerKey]:
            jws = first if index == 0 and first is not None else parse_jws(compact)
            resolved = resolver(jws)
            verify_jws(jws, resolved.key, algorithms=algorithms)
            return jws, resolved

        check, verified = run_check(name, verify)
        if verified is None:
            failure = failure or check
            continue
        jws, resolved = verified
        details: dict[str, Any] = {"alg": jws.header["alg"]}
        if resolved.kid is not None:
            details["kid"] = resolved.kid
        issuer = issuer_of(jws.payload)
        if resolved.controller is not None and issuer is not None:
            details["issuer_bound"] = issuer == resolved.controller
        return Check(name, True, details=details)
    assert failure is not None
    return failure


def verify_sd_jwt(
    presentation: str | Mapping[str, Any] | SdJwt,
    *,
    typ: Collection[str],
    now: datetime,
    issuer_key: AnyPublicKey | IssuerKeyResolver = did_issuer_key,
    key_binding: KeyBindingRequest | None = None,
    skew: int = DEFAULT_SKEW,
    algorithms: Collection[str] = ALLOWED_ALGORITHMS,
    required_claims: Collection[str] = (),
    extra_checks: Sequence[Callable[[SdJwtVerification], Check]] = (),
) -> SdJwtVerification:
    """Verify an SD-JWT or SD-JWT+KB (see the module for the checks, in order).

    ``required_claims`` names time claims (``iat``, ``exp``, ``nbf``) the token must have;
    ``extra_checks`` run last on the partial result (a format's own rules, schema, status).
    """
    if isinstance(presentation, SdJwt):
        sd_jwt = presentation
    else:
        format_check, sd_jwt = run_check("sd_jwt.format", lambda: parse_sd_jwt(presentation))
        if sd_jwt is None:
            return SdJwtVerification(Verdict((format_check,)))
    parse_check, jws = run_check("sd_jwt.issuer_signature", lambda: parse_jws(sd_jwt.jwt))
    if jws is None:
        return SdJwtVerification(Verdict((parse_check,)), sd_jwt)
    resolver = issuer_key if callable(issuer_key) else static_issuer_key(issuer_key)
    checks = [
        run_check("jose.typ", lambda: check_typ(jws.header, typ))[0],
        signature_check(sd_jwt, resolver, algorithms, first=jws),
        run_check(
            "jose.validity_period",
            lambda: check_time_claims(jws.payload, now=now, skew=skew, required=required_claims),
        )[0],
    ]
    disclosures_check, processed = run_check(
        "sd_jwt.disclosures", lambda: process_disclosures(jws.payload, sd_jwt.disclosures)
    )
    checks.append(disclosures_check)
    binding: KeyBinding | None = None
    if key_binding is None:
        message = "no nonce and audience were given, so the KB-JWT was not checked"
        checks.append(Check("sd_jwt.key_binding", None, message=message))
    else:
        kb_check, binding = run_check(
            "sd_jwt.key_binding",
            lambda: verify_key_binding(
                sd_jwt, jws.payload, key_binding, now=now, skew=skew, algorithms=algorithms
            ),
        )
        checks.append(kb_check)
    result = SdJwtVerification(
        Verdict(tuple(checks)), sd_jwt, jws.header, jws.payload, processed, binding
    )
    if not extra_checks:
        return result
    for extra in extra_checks:
        checks.append(_guarded(extra, result))
    return SdJwtVerification(
        Verdict(tuple(checks)), sd_jwt, jws.header, jws.payload, processed, binding
    )


def _guarded(extra: Callable[[SdJwtVerification], Check], result: SdJwtVerification) -> Check:
    try:
        return extra(result)
    except ShikakuError as exc:
        return Check(getattr(extra, "__name__", "extra"), False, exc.code, exc.message)
