"""Issuing a qualification in its JOSE forms: ``dc+sd-jwt``, ``vc+sd-jwt`` and ``vc+jwt``.

From the same register record and disclosure policy as the W3C Data Integrity form
(:func:`vc_schemas.build_credential`, :func:`vc_schemas.disclosure_policy`):

- ``dc+sd-jwt`` (draft-ietf-oauth-sd-jwt-vc §3.2): the claims of
  :func:`vc_schemas.sd_jwt_vc.sd_jwt_vc_claims` plus ``iat`` (now), ``nbf`` (``validFrom``),
  ``exp`` (``validUntil``, for a qualification that expires), ``cnf`` and ``status``;
- ``vc+sd-jwt`` / ``vc+jwt`` (W3C VC-JOSE-COSE §3.2.1 / §3.1.1): the credential itself with
  ``iat`` and ``cnf``; its own ``credentialStatus`` carries its status.

Holder binding (ARCHITECTURE.md, "Binding to the holder's JPKI certificate"): ``cnf.jwk`` is
the holder's key — in **card** mode the public key of the card's user-authentication
certificate with the certificate's ``x5t#S256`` beside it (RFC 8705 §3.1), in **wallet** mode
a wallet key. Status is a Token Status List reference (draft-ietf-oauth-status-list §6.1):
the registry's revocation list, which the publisher serves as a ``statuslist+jwt`` at the
same URL, and the credential's index in it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, get_args

from cryptography import x509

from jpki_bridge.certs import rsa_public_key, x5t_s256
from vc_core.errors import SchemaError, StatusError
from vc_core.jose.claims import timestamp
from vc_core.jose.vc import issue_vc_sd_jwt, sign_vc_jwt
from vc_core.keys import AnyPublicKey, Signer, public_jwk
from vc_core.sdjwt import DEFAULT_DECOYS, Decoys, issue_sd_jwt_vc
from vc_core.status import BitstringStatusListEntry
from vc_core.vcdm import check_validity_dates
from vc_schemas.builder import IssuerProfile, build_credential
from vc_schemas.catalogue import Catalogue
from vc_schemas.policy import DisclosurePolicy
from vc_schemas.record import RegisterRecord
from vc_schemas.sd_jwt_vc import sd_jwt_vc_claims, w3c_sd_pointers
from vc_schemas.validate import validate_credential

__all__ = [
    "FORMS",
    "Form",
    "HolderBinding",
    "TokenStatus",
    "issue_jose_credential",
    "issue_jose_from_record",
]

Form = Literal["dc+sd-jwt", "vc+sd-jwt", "vc+jwt"]
FORMS: Final[tuple[str, ...]] = get_args(Form)


@dataclass(frozen=True)
class HolderBinding:
    """The holder's key for ``cnf`` (RFC 7800 §3.2), and in card mode its certificate's
    ``x5t#S256``."""

    jwk: Mapping[str, str]
    x5t_s256: str | None = None

    @classmethod
    def of_key(cls, key: AnyPublicKey) -> HolderBinding:
        """Wallet mode: a wallet key."""
        return cls(public_jwk(key))

    @classmethod
    def of_certificate(cls, certificate: x509.Certificate) -> HolderBinding:
        """Card mode: the card's user-authentication certificate (its RSA key, its hash)."""
        return cls(public_jwk(rsa_public_key(certificate)), x5t_s256(certificate))

    def cnf(self) -> dict[str, Any]:
        cnf: dict[str, Any] = {"jwk": dict(self.jwk)}
        if self.x5t_s256 is not None:
            cnf["x5t#S256"] = self.x5t_s256
        return cnf


#: The ``status`` member (draft-ietf-oauth-status-list §6.1: the claim holds one member per
#: status mechanism) naming the credential's entry in its issuer's suspension list. A
#: Referenced Token's ``status_list`` names one list, the revocation list; a suspended
#: licence must be visible too, so shikaku's tokens also name their suspension entry here.
#: Its list is the suspension list's token form, where a set entry reads 2 (SUSPENDED).
SUSPENSION_MEMBER: Final = "shikaku_suspension_list"


@dataclass(frozen=True)
class TokenStatus:
    """A Referenced Token's status (§6.1): an index in the list published at ``uri``, and
    optionally its entry in the issuer's suspension list (:data:`SUSPENSION_MEMBER`)."""

    uri: str
    idx: int
    suspension: tuple[str, int] | None = None

    @classmethod
    def of_entry(cls, entry: BitstringStatusListEntry) -> TokenStatus:
        """The registry's revocation entry, whose list is also served as a statuslist+jwt."""
        if entry.status_purpose != "revocation" or entry.status_size != 1:
            raise StatusError(
                "status.purpose_mismatch", "a token's status references the revocation list"
            )
        return cls(entry.status_list_credential, entry.status_list_index)

    @classmethod
    def of_entries(cls, entries: Iterable[BitstringStatusListEntry]) -> TokenStatus:
        """The revocation entry, and the suspension entry when the credential has one."""
        by_purpose = {e.status_purpose: e for e in entries}
        if "revocation" not in by_purpose:
            raise StatusError("status.purpose_mismatch", "the credential has no revocation entry")
        token = cls.of_entry(by_purpose["revocation"])
        suspension = by_purpose.get("suspension")
        if suspension is None or suspension.status_size != 1:
            return token
        place = (suspension.status_list_credential, suspension.status_list_index)
        return cls(token.uri, token.idx, place)

    def claim(self) -> dict[str, Any]:
        claim: dict[str, Any] = {"status_list": {"idx": self.idx, "uri": self.uri}}
        if self.suspension is not None:
            uri, idx = self.suspension
            claim[SUSPENSION_MEMBER] = {"idx": idx, "uri": uri}
        return claim


def _epoch(credential: Mapping[str, Any], member: str) -> int | None:
    value = credential.get(member)
    if value is None:
        return None
    return int(timestamp(datetime.fromisoformat(str(value))))


def issue_jose_credential(
    credential: Mapping[str, Any],
    *,
    form: Form,
    signer: Signer,
    kid: str,
    now: datetime,
    holder: HolderBinding | None = None,
    status: TokenStatus | None = None,
    policy: DisclosurePolicy | None = None,
    catalogue: Catalogue | None = None,
    decoys: Decoys = DEFAULT_DECOYS,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    randbelow: Callable[[int], int] = secrets.randbelow,
    validate: bool = True,
    x5c: Sequence[str] = (),
) -> str:
    """Secure a JP-profile ``credential`` in ``form``; the compact serialization.

    With ``validate`` (the default) the credential is first checked against the JP profile
    (``schema.credential_invalid``); a credential fresh from :func:`build_credential` is
    valid by construction and may skip it. ``kid`` is the verification method the verifier
    resolves (a did:key or did:jwk URL); ``x5c``, when given, is the issuer's certificate
    chain, put in the header of a ``dc+sd-jwt`` (draft-ietf-oauth-sd-jwt-vc §3.5).
    ``random_bytes`` and ``randbelow`` draw the salts and decoys (:mod:`secrets`; bulk
    issuance passes a :class:`vc_core.entropy.RandomPool`'s).
    """
    if form not in FORMS:
        raise SchemaError("schema.credential_invalid", f"unknown form {str(form)[:20]!r}")
    # First, so that an impossible or out-of-range date is credential.validity_invalid.
    check_validity_dates(credential)
    if validate:
        validate_credential(credential, catalogue=catalogue)
    cnf = holder.cnf() if holder is not None else None
    if form == "vc+jwt":
        return sign_vc_jwt(credential, signer, kid=kid, now=now, cnf=cnf)
    if form == "vc+sd-jwt":
        pointers = w3c_sd_pointers(credential, policy=policy)
        return issue_vc_sd_jwt(
            credential,
            pointers,
            signer,
            kid=kid,
            now=now,
            cnf=cnf,
            decoys=decoys,
            random_bytes=random_bytes,
            randbelow=randbelow,
        ).compact()
    mapped = sd_jwt_vc_claims(credential, policy=policy, catalogue=catalogue)
    claims: dict[str, Any] = {
        "iss": mapped.claims.pop("iss"),
        "vct": mapped.claims.pop("vct"),
        "iat": int(timestamp(now)),
    }
    for name, member in (("nbf", "validFrom"), ("exp", "validUntil")):
        value = _epoch(credential, member)
        if value is not None:
            claims[name] = value
    if cnf is not None:
        claims["cnf"] = cnf
    if status is not None:
        claims["status"] = status.claim()
    claims.update(mapped.claims)
    return issue_sd_jwt_vc(
        claims,
        mapped.sd_pointers,
        signer,
        header={"kid": kid, "x5c": list(x5c)} if x5c else {"kid": kid},
        decoys=decoys,
        random_bytes=random_bytes,
        randbelow=randbelow,
    ).compact()


def issue_jose_from_record(
    record: RegisterRecord,
    *,
    issuer: IssuerProfile,
    form: Form,
    signer: Signer,
    kid: str,
    now: datetime,
    holder: HolderBinding | None = None,
    status: TokenStatus | None = None,
    holder_id: str | None = None,
    credential_id: str | None = None,
    catalogue: Catalogue | None = None,
    decoys: Decoys = DEFAULT_DECOYS,
) -> str:
    """Build the JP-profile credential of ``record`` and secure it in ``form``."""
    credential = build_credential(
        record,
        issuer=issuer,
        issued_at=now,
        holder_id=holder_id,
        credential_id=credential_id,
        catalogue=catalogue,
    )
    return issue_jose_credential(
        credential,
        form=form,
        signer=signer,
        kid=kid,
        now=now,
        holder=holder,
        status=status,
        catalogue=catalogue,
        decoys=decoys,
        # build_credential checked the record and scanned the result: valid by construction.
        validate=False,
    )
