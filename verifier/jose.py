"""Verifying a qualification presented in a JOSE form: one verdict of named checks.

The employer receives text and does not need to say what it is: :func:`detect_form` reads
it — an SD-JWT (compact, ``~``-separated, or its JWS JSON serialization, RFC 9901 §4/§8)
whose issuer JWT says ``dc+sd-jwt`` or ``vc+sd-jwt``, or a compact JWS ``vc+jwt``.

Checks, beyond those of :func:`vc_core.sdjwt.verify_sd_jwt` and
:func:`vc_core.jose.vc.verify_vc_jwt` (``typ``, algorithm allowlist, signature, ``exp``/
``nbf``/``iat`` with bounded skew, disclosure integrity, KB-JWT signature by the ``cnf`` key,
``sd_hash``, nonce, audience and freshness):

- ``sd_jwt_vc.claims`` (``dc+sd-jwt``): ``vct`` is one of our qualifications' types and the
  claims that must stay visible did (draft-ietf-oauth-sd-jwt-vc §3.2.2);
- ``credential.data_model`` and ``credential.validity_period`` (W3C forms, VCDM 2.0 §4);
- ``schema``: the qualification's schema and catalogue rules on the *disclosed* payload
  (:mod:`vc_schemas.sd_jwt_vc`);
- ``status.token``: the Token Status List (draft-ietf-oauth-status-list §8.3), through the
  caller's status function (usually :meth:`verifier.status.StatusChecker.check_token`); when
  none is given it did not apply;
- ``holder.certificate``: in card mode, with JPKI trust anchors configured, the KB-JWT's
  ``x5c`` chain must validate to them (jpki_bridge, JPKI.md) for the auth certificate the
  credential's ``cnf`` names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from jpki_bridge.certs import CertKind
from jpki_bridge.validation import TrustAnchors, validate_certificate
from vc_core.codecs import b64url_decode
from vc_core.errors import (
    CodecError,
    CredentialError,
    InputError,
    JoseError,
    KeyBindingError,
    RequestError,
    ShikakuError,
)
from vc_core.formats import CACHED_HEADER_CHARS
from vc_core.jose.claims import DEFAULT_SKEW
from vc_core.jose.jws import strict_json_loads
from vc_core.jose.vc import VC_JWT, VC_SD_JWT, credential_checks, verify_vc_jwt
from vc_core.jose.vp import load_certificates
from vc_core.jsonio import loads
from vc_core.keys import AnyPublicKey
from vc_core.sdjwt import (
    DC_SD_JWT,
    DEFAULT_MAX_AGE,
    IssuerKeyResolver,
    KeyBindingRequest,
    SdJwtVerification,
    did_issuer_key,
    parse_sd_jwt,
    sd_jwt_vc_check,
    verify_sd_jwt,
)
from vc_core.verdict import Check, Verdict, run_check
from vc_schemas.catalogue import Catalogue, default_catalogue
from vc_schemas.sd_jwt_vc import validate_enveloped, validate_sd_jwt_vc, vct_for

__all__ = ["JoseVerification", "StatusFunction", "detect_form", "verify_jose"]

#: The status check of a Referenced Token's (disclosed) claims.
StatusFunction = Callable[[Mapping[str, Any]], Check]


@dataclass(frozen=True)
class JoseVerification:
    """The verdict of a JOSE-form presentation, its form, and what it disclosed."""

    form: str
    result: SdJwtVerification

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def claims(self) -> dict[str, Any] | None:
        """The disclosed claims (the credential, for W3C forms), when verified."""
        return self.result.claims

    def to_json(self) -> dict[str, Any]:
        out = {"format": self.form, **self.verdict.to_json()}
        if self.claims is not None:
            out["disclosed"] = self.claims
        return out


def detect_form(text: str) -> str:
    """``dc+sd-jwt``, ``vc+sd-jwt`` or ``vc+jwt`` (by content), else ``credential.malformed``."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = loads(stripped)
        except InputError as exc:
            raise CredentialError("credential.malformed", f"the input is not JSON ({exc})") from exc
        if not isinstance(document, dict) or "payload" not in document:
            raise CredentialError("credential.malformed", "not a JWS JSON serialization")
        jwt = parse_sd_jwt(document).jwt
    elif "~" in stripped:
        jwt = stripped.split("~", 1)[0]
    elif stripped.count(".") == 2:
        jwt = stripped
    else:
        raise CredentialError("credential.malformed", "not a JWS, an SD-JWT or JSON")
    segment = jwt.split(".", 1)[0]
    typ, shown = _typ(segment) if len(segment) <= CACHED_HEADER_CHARS else _read_typ(segment)
    normalized = typ.lower().removeprefix("application/") if typ is not None else None
    if normalized in (DC_SD_JWT, VC_SD_JWT, VC_JWT):
        return normalized
    raise CredentialError("credential.malformed", f"typ {shown!r} is not a form we know")


@lru_cache(maxsize=512)
def _typ(segment: str) -> tuple[str | None, str]:
    """The ``typ`` of one encoded JOSE header (None unless a string) and how a refusal shows
    it; a header that does not parse raises (and is not kept). Headers repeat from one issuer,
    so a parse is kept (see :func:`vc_core.formats.jose_typ`; longer headers are read each
    time, never kept)."""
    return _read_typ(segment)


def _read_typ(segment: str) -> tuple[str | None, str]:
    typ = _header(segment).get("typ")
    return (typ if isinstance(typ, str) else None), str(typ)[:40]


def _header(jwt: str) -> dict[str, Any]:
    """The JOSE header alone (the pipeline parses and checks the whole JWS afterwards)."""
    try:
        header = strict_json_loads(b64url_decode(jwt.split(".", 1)[0]))
    except (CodecError, InputError) as exc:
        raise JoseError("jose.malformed", f"the JOSE header is not base64url JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise JoseError("jose.malformed", "the JOSE header is not an object")
    return header


@cache
def _default_types() -> frozenset[str]:
    return frozenset(vct_for(entry.id) for entry in default_catalogue())


def _our_types(catalogue: Catalogue) -> frozenset[str]:
    if catalogue is default_catalogue():
        return _default_types()
    return frozenset(vct_for(entry.id) for entry in catalogue)


def _schema_check(form: str, catalogue: Catalogue) -> Callable[[SdJwtVerification], Check]:
    def schema(result: SdJwtVerification) -> Check:
        if result.processed is None:
            return Check("schema", None, message="nothing was disclosed to check")
        claims = result.processed.claims

        def action() -> None:
            if form == DC_SD_JWT:
                validate_sd_jwt_vc(claims, catalogue=catalogue)
            else:
                validate_enveloped(claims, disclosed=form == VC_SD_JWT, catalogue=catalogue)

        return run_check("schema", action)[0]

    return schema


def _status_check(status: StatusFunction | None) -> Callable[[SdJwtVerification], Check]:
    def status_token(result: SdJwtVerification) -> Check:
        claims = result.processed.claims if result.processed is not None else result.payload
        if status is None:
            return Check("status.token", None, message="no status checker was configured")
        if "status" not in claims:
            return Check("status.token", None, message="the credential has no status claim")
        return status(claims)

    return status_token


def _certificate_check(
    anchors: TrustAnchors | None, now: datetime
) -> Callable[[SdJwtVerification], Check]:
    def holder_certificate(result: SdJwtVerification) -> Check:
        cnf = result.payload.get("cnf")
        if anchors is None or not isinstance(cnf, Mapping) or "x5t#S256" not in cnf:
            return Check("holder.certificate", None, message="no JPKI certificate to validate")
        binding = result.key_binding
        if binding is None:
            return Check("holder.certificate", None, message="no key binding was checked")

        def validate() -> str:
            if not binding.certificates:
                raise KeyBindingError("kb.certificate_mismatch", "the KB-JWT carries no x5c")
            leaf, *rest = load_certificates(binding.certificates)
            chain = validate_certificate(
                leaf, anchors=anchors, now=now, intermediates=rest, kind=CertKind.AUTH
            )
            return chain.anchor.subject.rfc4514_string()

        check, anchor = run_check("holder.certificate", validate)
        return (
            check
            if anchor is None
            else Check("holder.certificate", True, details={"anchor": anchor})
        )

    return holder_certificate


def verify_jose(
    text: str,
    *,
    now: datetime,
    nonce: str | None = None,
    audience: str | None = None,
    issuer_key: AnyPublicKey | IssuerKeyResolver = did_issuer_key,
    status: StatusFunction | None = None,
    card_anchors: TrustAnchors | None = None,
    catalogue: Catalogue | None = None,
    kb_max_age: int = DEFAULT_MAX_AGE,
    skew: int = DEFAULT_SKEW,
    forms: Collection[str] = (DC_SD_JWT, VC_SD_JWT, VC_JWT),
) -> JoseVerification:
    """Verify ``text`` in whichever JOSE form it is (see the module for the checks).

    With ``nonce`` and ``audience`` the KB-JWT is required and checked; without them it does
    not apply (``vc+jwt`` has none).
    """
    catalogue = catalogue or default_catalogue()
    try:
        form = detect_form(text)
    except ShikakuError as exc:
        return JoseVerification("unknown", SdJwtVerification(Verdict((_failed(exc),))))
    if form not in forms:
        refused = CredentialError("credential.malformed", f"{form} is not accepted here")
        return JoseVerification(form, SdJwtVerification(Verdict((_failed(refused),))))
    if (nonce is None) != (audience is None):
        raise RequestError("request.invalid", "give both a nonce and an audience, or neither")
    extra = [_schema_check(form, catalogue), _status_check(status)]
    if form == VC_JWT:
        result = verify_vc_jwt(text, now=now, issuer_key=issuer_key, skew=skew, extra_checks=extra)
        return JoseVerification(form, result)
    request = (
        KeyBindingRequest(nonce, audience, kb_max_age)
        if nonce is not None and audience is not None
        else None
    )
    if form == DC_SD_JWT:
        checks = [sd_jwt_vc_check(_our_types(catalogue)), *extra]
    else:
        checks = [*credential_checks(now), *extra]
    checks.append(_certificate_check(card_anchors, now))
    result = verify_sd_jwt(
        text,
        typ=(form,),
        now=now,
        issuer_key=issuer_key,
        key_binding=request,
        skew=skew,
        required_claims=("iat",),
        extra_checks=checks,
    )
    return JoseVerification(form, result)


def _failed(exc: ShikakuError) -> Check:
    return Check("format", False, exc.code, exc.message)
