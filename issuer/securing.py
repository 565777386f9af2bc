"""``secure(credential, form, signer)``: one way to secure a credential, for every form we issue.

The CLI, the issuer service and bulk issuance all secure credentials here, so a rule such as
"a selective-disclosure base proof never lets the holder hide the issuer or the status entry"
holds for every caller:

- Data Integrity (VC DI 1.0): ``ecdsa-rdfc-2019``, ``eddsa-rdfc-2022`` and
  ``ecdsa-sd-2023``. For ``ecdsa-sd-2023`` the mandatory pointers are always
  :data:`ALWAYS_MANDATORY` (those present in the credential) whatever the caller passes,
  plus, for a JP-profile credential, its qualification's always-visible fields
  (:meth:`vc_schemas.policy.DisclosurePolicy.mandatory_pointers`), plus the caller's own;
- JOSE: ``dc+sd-jwt`` (SD-JWT VC), ``vc+sd-jwt`` and ``vc+jwt`` (VC-JOSE), through
  :func:`issuer.jose_forms.issue_jose_credential` with the holder binding and status.

A credential without an ``issuer`` gets the signing key's did:key (as the W3C suites expect:
the issuer ``id`` is the key that really signs). A board that signs as a did:web passes its
``verification_method`` (``did:web:…#<key id>``): the proof (or the JOSE ``kid``) names it,
and a credential without an ``issuer`` gets that DID instead.

VC Data Model 1.1 credentials (``https://www.w3.org/2018/credentials/v1``) are still sent by
the W3C suites and older wallets. That context does not define the Data Integrity proof
terms, so a 1.1 credential secured with a DI suite gets the Data Integrity context
(``https://w3id.org/security/data-integrity/v2``) appended to its ``@context`` when it lacks
it (and the Bitstring Status List context when it carries status entries), and an
``issuanceDate`` (now) when it has none, as VC 1.1 §4.6 requires one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, cast

from issuer.jose_forms import FORMS, Form, HolderBinding, TokenStatus, issue_jose_credential
from vc_core import di
from vc_core.clock import Clock, system_clock
from vc_core.di import default_verification_method
from vc_core.did import did_key_from_public_key
from vc_core.errors import CredentialError, RequestError, SchemaError
from vc_core.jsonld.loader import CREDENTIALS_V1, DATA_INTEGRITY_V2, STATUS_LIST_V1
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer
from vc_schemas.policy import disclosure_policy, pointer_value

__all__ = [
    "ALWAYS_MANDATORY",
    "DI_SUITES",
    "JOSE_FORMS",
    "mandatory_pointers",
    "secure",
    "signer_did",
    "with_issuer",
    "with_proof_context",
]

_OB_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context"
DI_SUITES: Final = ("ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-sd-2023")
JOSE_FORMS: Final = tuple(FORMS)

#: What a holder may never hide from a verifier: who issued it, what it is, when it holds,
#: where its status is and which schema it follows.
ALWAYS_MANDATORY: Final = (
    "/issuer",
    "/type",
    "/validFrom",
    "/validUntil",
    "/credentialStatus",
    "/credentialSchema",
)


def mandatory_pointers(credential: Mapping[str, Any], requested: Sequence[str] = ()) -> list[str]:
    """The base proof's mandatory pointers: ours, the qualification's, then the caller's."""
    pointers = [p for p in ALWAYS_MANDATORY if pointer_value(credential, p)[0]]
    qualification = _qualification(credential)
    if qualification is not None:
        pointers += disclosure_policy(qualification).mandatory_pointers(credential)
    pointers += list(requested)
    return list(dict.fromkeys(pointers))


def _qualification(credential: Mapping[str, Any]) -> str | None:
    found, code = pointer_value(credential, "/credentialSubject/achievement/humanCode")
    if not found or not isinstance(code, str):
        return None
    try:
        disclosure_policy(code)
    except SchemaError:  # Not one of ours: no qualification policy applies.
        return None
    return code


def with_issuer(
    credential: Mapping[str, Any], signer: Signer, verification_method: str | None = None
) -> dict[str, Any]:
    """``credential`` with the signer's DID as its issuer when it names none: an Open Badges
    ``Profile`` where the credential speaks Open Badges (the JP profile requires one), else
    the DID itself. The DID is the one of ``verification_method``, else the key's did:key."""
    if not isinstance(credential, Mapping):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    if "issuer" in credential:
        return dict(credential)
    did = signer_did(signer, verification_method)
    contexts = credential.get("@context")
    open_badges = isinstance(contexts, list) and any(
        isinstance(c, str) and c.startswith(_OB_CONTEXT) for c in contexts
    )
    issuer: Any = {"id": did, "type": ["Profile"], "name": did} if open_badges else did
    return {**credential, "issuer": issuer}


def signer_did(signer: Signer, verification_method: str | None = None) -> str:
    """The DID a signature by ``signer`` speaks for: ``verification_method``'s, else its did:key."""
    if verification_method is not None:
        return verification_method.split("#", 1)[0]
    return did_key_from_public_key(signer.public_key)


def with_proof_context(document: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A VC 1.1 credential made ready for a Data Integrity proof (see the module); a VC 2.0
    one, whose context defines the proof terms, as it is."""
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != CREDENTIALS_V1:
        return dict(document)
    prepared = dict(document)
    wanted = [DATA_INTEGRITY_V2]
    if "credentialStatus" in prepared:  # The board's entries: BitstringStatusListEntry.
        wanted.insert(0, STATUS_LIST_V1)
    prepared["@context"] = [*contexts, *(c for c in wanted if c not in contexts)]
    if "issuanceDate" not in prepared:
        prepared["issuanceDate"] = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return prepared


def secure(
    credential: Mapping[str, Any],
    *,
    form: str,
    signer: Signer,
    loader: Loader,
    clock: Clock = system_clock,
    mandatory: Sequence[str] = (),
    holder: HolderBinding | None = None,
    status: TokenStatus | None = None,
    verification_method: str | None = None,
    x5c: Sequence[str] = (),
) -> dict[str, Any] | str:
    """``credential`` secured in ``form`` (a DI cryptosuite name or a JOSE form).

    ``verification_method`` is the key's DID URL the proof names (the signer's did:key by
    default; a did:web board passes its own); ``x5c`` is the certificate chain a
    ``dc+sd-jwt`` header carries (:mod:`issuer.certificates`).
    """
    if form in DI_SUITES:
        document = with_proof_context(with_issuer(credential, signer, verification_method), clock())
        pointers = mandatory_pointers(document, mandatory) if form == "ecdsa-sd-2023" else []
        return di.sign(
            document,
            suite=form,
            signer=signer,
            loader=loader,
            mandatory_pointers=pointers,
            verification_method=verification_method,
            now=clock,
        )
    if form in JOSE_FORMS:
        return issue_jose_credential(
            with_issuer(credential, signer, verification_method),
            form=cast(Form, form),
            signer=signer,
            kid=verification_method or default_verification_method(signer),
            now=clock(),
            holder=holder,
            status=status,
            x5c=x5c,
        )
    known = ", ".join((*DI_SUITES, *JOSE_FORMS))
    raise RequestError("request.invalid", f"unknown form {form[:30]!r}; one of {known}")
