"""A credential file as the holder received it: what it is, who issued it, and what the
wallet could check of it on this machine.

A nurse saves the file her board sent her (a compact SD-JWT or JWT, or a JSON Data Integrity
credential) and adds it to her wallet (``shikaku wallet add``). Before it is stored,
:func:`examine` reads it:

- its form (:func:`vc_core.formats.detect_format`); a presentation, or anything that is not
  one of the credential forms, is ``wallet.not_a_credential``;
- its qualification, by the JP profile: ``credentialSubject.achievement.humanCode`` in the W3C
  forms, the ``vct`` of an SD-JWT VC (:func:`vc_schemas.sd_jwt_vc.qualification_of_vct`);
- its issuer (id and name: the issuer profile's ``name``, or for an SD-JWT VC, which names no
  issuer, the licensing authority, ``achievement.creator.name``);
- its holder binding: the ``cnf`` key of the JOSE forms (card mode when ``cnf`` carries the
  card certificate's ``x5t#S256``), the ``credentialSubject.id`` DID of the W3C forms (the
  card's key is RSA, a wallet key is not);
- the issuer's signature, where the holder can check it offline: a Data Integrity proof whose
  verification method is a did:key or did:jwk (:func:`vc_core.di.verify`; an ``ecdsa-sd-2023``
  base proof with :func:`vc_core.di.verify_base`), a JWS whose ``kid`` is one. A signature that
  fails, or disclosures that do not match the signed digests, refuse the file. A key that
  cannot be resolved offline (a did:web) leaves the check *not made*, and :class:`Received`
  says so: the wallet never claims a check it did not make. Trust in the issuer and the
  licence's status are the employer's checks (``shikaku vc verify``), not made here.
- a JWS whose ``iss`` is a URL and whose ``kid`` is no DID names a key of the issuer's JWT VC
  Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §5). The caller that is online anyway (the
  OpenID4VCI flow) passes ``issuer_metadata``, which fetches it; the key with that ``kid`` in
  metadata whose ``issuer`` is ``iss`` must verify the signature. Offline, the check is not
  made.

:func:`document_of` turns a stored body back into a W3C-shaped credential for display, SD-JWT
disclosures decoded. Nothing here touches the network or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from vc_core import di
from vc_core.did import resolve_verification_method
from vc_core.errors import ShikakuError, TrustError, WalletError
from vc_core.formats import Format, detect_format
from vc_core.jose.jws import Jws, parse_jws, verify_jws
from vc_core.jsonio import loads
from vc_core.keys import jwk_thumbprint, public_jwk, public_key_from_jwk
from vc_core.sdjwt import did_issuer_key, parse_sd_jwt, process_disclosures
from vc_schemas.registry import loader as schemas_loader
from vc_schemas.sd_jwt_vc import JWT_CLAIMS, qualification_of_vct

__all__ = ["Binding", "IssuerMetadata", "Received", "SignatureCheck", "document_of", "examine"]

_CREDENTIAL_FORMS: Final = frozenset(
    {Format.LDP_VC, Format.VC_JWT, Format.VC_SD_JWT, Format.DC_SD_JWT}
)
_OFFLINE: Final = ("did:key:", "did:jwk:")
#: Codes that mean "this machine cannot make the check", not "the check failed".
_CANNOT_CHECK: Final = frozenset(
    {"did.method_unsupported", "jose.key_unresolved", "proof.cryptosuite_unsupported"}
)
_CANNOT_CHECK_FAMILIES: Final = ("loader.",)

Outcome = Literal["verified", "key_unbound", "not_checked"]
#: Fetches an issuer's JWT VC Issuer Metadata (``jwks`` inlined), or None when it cannot.
IssuerMetadata = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class SignatureCheck:
    """What the wallet checked of the issuer's signature.

    ``verified``: the signature verifies with a key the issuer's own DID names (or, at receipt,
    its own JWT VC Issuer Metadata, fetched from its host). ``key_unbound``:
    the signature verifies with ``key``, but the issuer (a did:web, a URL) cannot be tied to
    that key offline. ``not_checked``: no check was made; ``code`` says why.
    """

    outcome: Outcome
    key: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Binding:
    """Whom the credential is bound to: ``card`` (the My Number Card's key), ``wallet`` (a
    wallet key, by its JWK thumbprint), or nobody (``mode`` None)."""

    mode: Literal["card", "wallet"] | None
    thumbprint: str | None = None
    certificate: str | None = None  # the card certificate's x5t#S256, when cnf names it
    subject: str | None = None  # a credentialSubject.id that names no key read offline


@dataclass(frozen=True)
class Received:
    """A credential file, read (see the module)."""

    body: str
    format: Format
    qualification: str | None
    issuer: str | None
    issuer_name: str | None
    binding: Binding
    signature: SignatureCheck
    document: dict[str, Any]


def examine(text: str, *, issuer_metadata: IssuerMetadata | None = None) -> Received:
    """Read a received credential file (see the module); raises when it is no credential or
    its signature or disclosures fail."""
    body = text.strip()
    try:
        form = detect_format(body)
    except ShikakuError as exc:
        raise _not_credential(f"{exc.code}: {exc.message}") from None
    if form not in _CREDENTIAL_FORMS:
        raise _not_credential(f"a {form} is a presentation, made for one verifier")
    if form is Format.LDP_VC:
        document = _json(body)
        signature = _check_di(document)
        binding = _subject_binding(document)
    else:
        jws, document, binding = _jose(body, form)
        signature = _check_jws(jws, issuer_metadata)
    issuer, issuer_name = _issuer(document)
    return Received(
        body=body,
        format=form,
        qualification=_qualification(document),
        issuer=issuer,
        issuer_name=issuer_name,
        binding=binding,
        signature=signature,
        document=document,
    )


def document_of(body: str, form: str) -> dict[str, Any]:
    """A stored credential as a W3C-shaped document for display (disclosures decoded)."""
    if form == Format.LDP_VC:
        return _json(body)
    return _jose(body, Format(form))[1]


# -- reading -----------------------------------------------------------------------------------


def _not_credential(why: str) -> WalletError:
    return WalletError("wallet.not_a_credential", f"not a credential the wallet keeps ({why})")


def _json(body: str) -> dict[str, Any]:
    document = loads(body)
    if not isinstance(document, dict):
        raise _not_credential("the JSON is not an object")
    return document


def _jose(body: str, form: Format) -> tuple[Jws, dict[str, Any], Binding]:
    """The issuer JWT, the credential it carries (disclosures decoded), the ``cnf`` binding."""
    if form is Format.VC_JWT:
        jws = parse_jws(body)
        claims: dict[str, Any] = dict(jws.payload)
    else:
        sd_jwt = parse_sd_jwt(body)
        if sd_jwt.kb_jwt is not None:
            raise _not_credential("it carries a holder's proof: it is a presentation")
        jws = parse_jws(sd_jwt.jwt)
        claims = process_disclosures(jws.payload, sd_jwt.disclosures).claims
    document = _as_credential(claims) if form is Format.DC_SD_JWT else claims
    binding = _cnf(jws.payload)
    if binding.mode is None and form is not Format.DC_SD_JWT:
        binding = _subject_binding(document)  # A W3C form without cnf names its holder's DID.
    return jws, document, binding


def _as_credential(claims: Mapping[str, Any]) -> dict[str, Any]:
    """An SD-JWT VC's flat claims in the W3C shape: the holder's fields under
    ``credentialSubject``, ``iss`` as ``issuer``, ``nbf``/``exp`` as the validity period."""
    rest = ("awardedDate", "_sd_alg")
    document: dict[str, Any] = {
        "vct": claims.get("vct"),
        "issuer": claims.get("iss"),
        "credentialSubject": {k: v for k, v in claims.items() if k not in JWT_CLAIMS | set(rest)},
    }
    if "awardedDate" in claims:
        document["awardedDate"] = claims["awardedDate"]
    for member, claim in (("validFrom", "nbf"), ("validUntil", "exp")):
        moment = claims.get(claim)
        if isinstance(moment, int) and not isinstance(moment, bool):
            document[member] = datetime.fromtimestamp(moment, UTC).isoformat()
    return document


def _qualification(document: Mapping[str, Any]) -> str | None:
    vct = document.get("vct")
    if isinstance(vct, str):
        return qualification_of_vct(vct)
    achievement = _achievement(document)
    code = achievement.get("humanCode")
    return code if isinstance(code, str) else None


def _achievement(document: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    return achievement if isinstance(achievement, Mapping) else {}


def _issuer(document: Mapping[str, Any]) -> tuple[str | None, str | None]:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    if not isinstance(name, str):
        creator = _achievement(document).get("creator")
        name = creator.get("name") if isinstance(creator, Mapping) else None
    return (
        issuer_id if isinstance(issuer_id, str) else None,
        name if isinstance(name, str) else None,
    )


def _cnf(payload: Mapping[str, Any]) -> Binding:
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, Mapping) else None
    if not isinstance(cnf, Mapping) or not isinstance(jwk, Mapping):
        return Binding(None)
    try:
        thumbprint = jwk_thumbprint({str(k): str(v) for k, v in jwk.items()})
    except (ShikakuError, KeyError):
        return Binding(None)
    certificate = cnf.get("x5t#S256")
    if isinstance(certificate, str):
        return Binding("card", thumbprint, certificate)
    return Binding("card" if jwk.get("kty") == "RSA" else "wallet", thumbprint)


def _subject_binding(document: Mapping[str, Any]) -> Binding:
    subject = document.get("credentialSubject")
    did = subject.get("id") if isinstance(subject, Mapping) else None
    if not isinstance(did, str):
        return Binding(None)
    key = None
    if did.startswith(_OFFLINE):
        try:
            key = resolve_verification_method(did).public_key
        except ShikakuError:
            key = None
    if key is None:  # A did:web, a URL, a malformed DID: named, but no key to bind.
        return Binding(None, subject=did)
    mode: Literal["card", "wallet"] = "card" if isinstance(key, rsa.RSAPublicKey) else "wallet"
    return Binding(mode, jwk_thumbprint(public_jwk(key)))


# -- the issuer's signature --------------------------------------------------------------------


def _attempt(check: Callable[[], tuple[str, str | None]], issuer: str | None) -> SignatureCheck:
    """Run a signature check: its key and controller, or why it could not run."""
    try:
        key, controller = check()
    except ShikakuError as exc:
        if exc.code in _CANNOT_CHECK or exc.code.startswith(_CANNOT_CHECK_FAMILIES):
            return SignatureCheck("not_checked", code=exc.code)
        raise
    if issuer is not None and issuer.startswith(_OFFLINE):
        if controller != issuer:
            raise TrustError(
                "trust.key_mismatch", f"signed by {key[:60]}, not by the issuer {issuer[:60]}"
            )
        return SignatureCheck("verified", key=key)
    return SignatureCheck("key_unbound", key=key)


def _check_di(document: Mapping[str, Any]) -> SignatureCheck:
    proofs = document.get("proof")
    first = proofs[0] if isinstance(proofs, list) and proofs else proofs
    loader = schemas_loader()

    def check() -> tuple[str, str | None]:
        if isinstance(first, Mapping) and first.get("cryptosuite") == "ecdsa-sd-2023":
            verified = [di.verify_base(document, loader=loader)]
        else:
            verified = di.verify(document, loader=loader, expected_purpose="assertionMethod")
        method = verified[0].verification_method
        return method.id, method.controller

    return _attempt(check, _issuer(document)[0])


def _check_jws(jws: Jws, issuer_metadata: IssuerMetadata | None) -> SignatureCheck:
    def check() -> tuple[str, str | None]:
        resolved = did_issuer_key(jws)
        verify_jws(jws, resolved.key)
        return resolved.kid or "", resolved.controller

    issuer = jws.payload.get("iss", jws.payload.get("issuer"))
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    kid = jws.header.get("kid")
    url_issuer = isinstance(issuer, str) and issuer.startswith(("https://", "http://"))
    if isinstance(kid, str) and not kid.startswith("did:") and url_issuer:
        return _check_by_metadata(jws, str(issuer), kid, issuer_metadata)
    return _attempt(check, issuer if isinstance(issuer, str) else None)


def _check_by_metadata(
    jws: Jws, issuer: str, kid: str, issuer_metadata: IssuerMetadata | None
) -> SignatureCheck:
    """The ``kid`` key of the issuer's JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc §5),
    when it can be had; a key it does not list, or a signature it does not verify, refuses."""
    metadata = issuer_metadata(issuer) if issuer_metadata is not None else None
    if metadata is None:
        return SignatureCheck("not_checked", code="jose.key_unresolved")
    if metadata.get("issuer") != issuer:
        raise TrustError("trust.key_mismatch", f"the metadata is not {issuer[:60]}'s")
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    found = [k for k in keys if isinstance(k, Mapping) and k.get("kid") == kid] if keys else []
    if len(found) != 1:
        raise TrustError("trust.key_mismatch", f"{issuer[:60]} publishes no key {kid[:40]}")
    verify_jws(jws, public_key_from_jwk(dict(found[0])))
    return SignatureCheck("verified", key=f"{issuer}#{kid}")
