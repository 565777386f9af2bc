"""W3C Securing Verifiable Credentials using JOSE and COSE: ``vc+jwt`` and ``vc+sd-jwt``.

- §3.1.1 (``vc+jwt``): the credential (VC Data Model 2.0) is the JWS payload; the header
  carries ``typ`` ``vc+jwt`` and ``cty`` ``vc``. shikaku adds ``iat`` and, for holder binding,
  ``cnf`` (RFC 7800) beside the credential's own members.
- §3.2.1 (``vc+sd-jwt``): the same credential secured as an SD-JWT (RFC 9901) with ``typ``
  ``vc+sd-jwt``. The members a verifier needs to process the credential at all — ``@context``,
  ``type``, ``id``, ``issuer``, validity, ``credentialStatus``, ``credentialSchema`` — and the
  JWT claims are never concealed (:data:`W3C_VISIBLE`, ``sdjwt.claim_not_disclosable``).
- §3.1.2 / §3.2.2 (verification): ``typ``, the algorithm allowlist and the signature
  (:mod:`vc_core.jose.jws`), JWT time claims (:mod:`vc_core.jose.claims`), then the data
  model (VCDM 2.0 §4) and ``validFrom``/``validUntil`` on the credential (``credential.*``).

The credential seen by the data-model and schema checks is the payload without the JWT
claims (:func:`credential_from_claims`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from vc_core.errors import SdJwtError, ShikakuError
from vc_core.jose.claims import DEFAULT_SKEW, check_time_claims, timestamp
from vc_core.jose.jws import ALLOWED_ALGORITHMS, check_typ, parse_jws, sign_jws
from vc_core.keys import AnyPublicKey, Signer
from vc_core.sdjwt.disclosure import parse_pointer
from vc_core.sdjwt.issue import DEFAULT_DECOYS, Decoys, issue_sd_jwt
from vc_core.sdjwt.process import Processed
from vc_core.sdjwt.serialization import SdJwt
from vc_core.sdjwt.verify import (
    IssuerKeyResolver,
    SdJwtVerification,
    did_issuer_key,
    signature_check,
    static_issuer_key,
)
from vc_core.vcdm import check_validity_dates, credential_problems
from vc_core.verdict import Check, Verdict, run_check

__all__ = [
    "JWT_CLAIMS",
    "VC_JWT",
    "VC_SD_JWT",
    "W3C_VISIBLE",
    "credential_checks",
    "credential_from_claims",
    "issue_vc_sd_jwt",
    "sign_vc_jwt",
    "verify_vc_jwt",
]

VC_JWT: Final = "vc+jwt"
VC_SD_JWT: Final = "vc+sd-jwt"
#: Registered JWT claims that may sit beside the credential in a JOSE payload.
JWT_CLAIMS: Final = frozenset(
    {"iss", "sub", "aud", "iat", "nbf", "exp", "jti", "cnf", "status", "_sd_alg"}
)
#: Top-level members a ``vc+sd-jwt`` never conceals.
W3C_VISIBLE: Final = JWT_CLAIMS | {
    "@context",
    "type",
    "id",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialStatus",
    "credentialSchema",
}


_TIMING: Final = ("credential.expired", "credential.not_yet_valid")


def credential_from_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The credential in a JOSE payload: every member but the JWT claims."""
    return {k: v for k, v in claims.items() if k not in JWT_CLAIMS}


def _payload(
    credential: Mapping[str, Any], now: datetime, cnf: Mapping[str, Any] | None
) -> dict[str, Any]:
    clashes = sorted(JWT_CLAIMS & set(credential))
    if clashes:
        raise SdJwtError("sdjwt.claim_conflict", f"the credential already has {clashes[0]}")
    check_validity_dates(credential)  # Never sign what no verifier accepts.
    payload = {**credential, "iat": int(timestamp(now))}
    if cnf is not None:
        payload["cnf"] = dict(cnf)
    return payload


def sign_vc_jwt(
    credential: Mapping[str, Any],
    signer: Signer,
    *,
    kid: str,
    now: datetime,
    cnf: Mapping[str, Any] | None = None,
) -> str:
    """§3.1.1: a ``vc+jwt`` of ``credential`` (plus ``iat`` and an optional ``cnf``)."""
    header = {"typ": VC_JWT, "cty": "vc", "kid": kid}
    return sign_jws(header, _payload(credential, now, cnf), signer)


def issue_vc_sd_jwt(
    credential: Mapping[str, Any],
    sd_pointers: Iterable[str],
    signer: Signer,
    *,
    kid: str,
    now: datetime,
    cnf: Mapping[str, Any] | None = None,
    decoys: Decoys = DEFAULT_DECOYS,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> SdJwt:
    """§3.2.1: a ``vc+sd-jwt`` of ``credential`` with ``sd_pointers`` concealed."""
    pointers = list(sd_pointers)
    for text in pointers:
        path = parse_pointer(text)
        if path[0] in W3C_VISIBLE:
            raise SdJwtError("sdjwt.claim_not_disclosable", f"{text[:60]} must stay visible")
    return issue_sd_jwt(
        _payload(credential, now, cnf),
        pointers,
        signer,
        typ=VC_SD_JWT,
        header={"cty": "vc", "kid": kid},
        decoys=decoys,
        random_bytes=random_bytes,
        randbelow=randbelow,
    )


def credential_checks(now: datetime) -> tuple[Callable[[SdJwtVerification], Check], ...]:
    """The VCDM 2.0 checks of a JOSE form: ``credential.data_model`` (§4) and
    ``credential.validity_period`` (§4.9, ``validFrom``/``validUntil`` at ``now``)."""

    def data_model(result: SdJwtVerification) -> Check:
        claims = result.processed.claims if result.processed is not None else result.payload
        problems = [
            p for p in credential_problems(credential_from_claims(claims)) if p.code not in _TIMING
        ]
        if problems:
            return Check("credential.data_model", False, problems[0].code, problems[0].message)
        return Check("credential.data_model", True)

    def validity_period(result: SdJwtVerification) -> Check:
        claims = result.processed.claims if result.processed is not None else result.payload
        problems = credential_problems(credential_from_claims(claims), now=now)
        timing = [p for p in problems if p.code in _TIMING]
        if timing:
            return Check("credential.validity_period", False, timing[0].code, timing[0].message)
        return Check("credential.validity_period", True)

    return data_model, validity_period


def verify_vc_jwt(
    token: str,
    *,
    now: datetime,
    issuer_key: AnyPublicKey | IssuerKeyResolver = did_issuer_key,
    skew: int = DEFAULT_SKEW,
    algorithms: Collection[str] = ALLOWED_ALGORITHMS,
    extra_checks: Sequence[Callable[[SdJwtVerification], Check]] = (),
) -> SdJwtVerification:
    """§3.1.2: verify a ``vc+jwt``; checks ``jose.typ``, ``jose.signature``,
    ``jose.validity_period``, the VCDM checks, then ``extra_checks``."""
    parse_check, jws = run_check("jose.signature", lambda: parse_jws(token.strip()))
    if jws is None:
        return SdJwtVerification(Verdict((parse_check,)))
    resolver = issuer_key if callable(issuer_key) else static_issuer_key(issuer_key)
    sd_jwt = SdJwt(token.strip())
    checks = [
        run_check("jose.typ", lambda: check_typ(jws.header, (VC_JWT,)))[0],
        signature_check(sd_jwt, resolver, algorithms, name="jose.signature", first=jws),
        run_check(
            "jose.validity_period",
            lambda: check_time_claims(jws.payload, now=now, skew=skew),
        )[0],
    ]
    processed = Processed(dict(jws.payload), {}, {})
    partial = SdJwtVerification(Verdict(tuple(checks)), sd_jwt, jws.header, jws.payload, processed)
    for extra in (*credential_checks(now), *extra_checks):
        try:
            checks.append(extra(partial))
        except ShikakuError as exc:
            checks.append(Check(getattr(extra, "__name__", "extra"), False, exc.code, exc.message))
    return SdJwtVerification(Verdict(tuple(checks)), sd_jwt, jws.header, jws.payload, processed)
