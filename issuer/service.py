"""The ``Issuer`` role entry point: a credential or a register record in, a secured credential out.

One :meth:`Issuer.issue` is one unit of work a board does for one holder: allocate the
credential's random, never-reused status indexes (revocation, suspension and, where policy
enables it, the reason-code list), put them in the credential — ``credentialStatus`` for the
W3C forms (VC 2.0 only: a VC 1.1 credential gets none), the Referenced Token ``status``
claim for SD-JWT — and secure it in the chosen form
(:func:`issuer.securing.secure`). The CLI, the coming HTTP service and bulk issuance call this;
none of them repeats its logic. Allocation is idempotent per credential id, so a retried
issuance never burns more indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from issuer.jose_forms import HolderBinding, TokenStatus
from issuer.securing import DI_SUITES, secure, signer_did, with_issuer
from issuer.status import StatusRegistry
from vc_core.clock import Clock, system_clock
from vc_core.errors import CredentialError
from vc_core.jsonld.loader import CREDENTIALS_V1
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer
from vc_core.status import BitstringStatusListEntry
from vc_schemas.builder import IssuerProfile, build_credential
from vc_schemas.record import RegisterRecord
from vc_schemas.registry import loader as schemas_loader

__all__ = ["Issued", "Issuer"]


@dataclass(frozen=True)
class Issued:
    """One issued credential: its id, form, the secured credential and its status entries."""

    credential_id: str
    form: str
    secured: dict[str, Any] | str
    entries: tuple[BitstringStatusListEntry, ...]


@dataclass(frozen=True)
class Issuer:
    """A board's signing key and status registry, and how it secures credentials.

    ``verification_method`` is the DID URL proofs name when the board signs as a did:web
    (``did:web:…#<key id>``); without it the board is its key's did:key. ``x5c`` is the
    board's certificate chain for its ``dc+sd-jwt`` headers (:mod:`issuer.certificates`).
    """

    signer: Signer
    registry: StatusRegistry | None = None
    loader: Loader = field(default_factory=schemas_loader)
    clock: Clock = system_clock
    verification_method: str | None = None
    x5c: tuple[str, ...] = ()

    @property
    def did(self) -> str:
        """The issuer's DID: its verification method's, else the did:key of its key."""
        return signer_did(self.signer, self.verification_method)

    def issue(
        self,
        credential: Mapping[str, Any],
        *,
        form: str,
        mandatory: Sequence[str] = (),
        holder: HolderBinding | None = None,
        subject_id: str | None = None,
        purposes: Sequence[str] | None = None,
    ) -> Issued:
        """Allocate status (when the issuer keeps a registry) and secure ``credential``."""
        document = with_issuer(credential, self.signer, self.verification_method)
        credential_id = document.get("id")
        entries: tuple[BitstringStatusListEntry, ...] = ()
        token: TokenStatus | None = None
        if self.registry is not None and not _is_vc_1_1(document, form):
            if not isinstance(credential_id, str) or not credential_id:
                raise CredentialError("credential.malformed", "a credential needs an id for status")
            entries = self.registry.allocate(
                credential_id, issuer=_issuer_id(document), subject_id=subject_id, purposes=purposes
            )
            if form in DI_SUITES:
                document["credentialStatus"] = [e.to_json() for e in entries]
            else:
                token = TokenStatus.of_entries(entries)
        secured = secure(
            document,
            form=form,
            signer=self.signer,
            loader=self.loader,
            clock=self.clock,
            mandatory=mandatory,
            holder=holder,
            status=token,
            verification_method=self.verification_method,
            x5c=self.x5c,
        )
        return Issued(str(credential_id or ""), form, secured, entries)

    def issue_record(
        self,
        record: RegisterRecord,
        *,
        form: str,
        profile: IssuerProfile,
        holder: HolderBinding | None = None,
        holder_id: str | None = None,
        issued_at: datetime | None = None,
    ) -> Issued:
        """A register record's JP-profile credential, issued as :meth:`issue` does."""
        credential = build_credential(
            record, issuer=profile, issued_at=issued_at or self.clock(), holder_id=holder_id
        )
        subject = f"{record.qualification_id}:{record.license_number}"
        return self.issue(credential, form=form, holder=holder, subject_id=subject)


def _is_vc_1_1(credential: Mapping[str, Any], form: str) -> bool:
    """A VC Data Model 1.1 credential secured with Data Integrity gets no status entries:
    ``BitstringStatusListEntry`` is VC 2.0 vocabulary, and the context that defines it for
    1.1 is one 1.1 verifiers (the W3C suites among them) do not know."""
    contexts = credential.get("@context")
    return (
        form in DI_SUITES
        and isinstance(contexts, list)
        and bool(contexts)
        and contexts[0] == CREDENTIALS_V1
    )


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(value, str):
        raise CredentialError("credential.issuer_invalid")
    return value
