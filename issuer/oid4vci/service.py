""":class:`Oid4vciIssuer`: the board's OpenID4VCI 1.0 credential issuer and token endpoint.

One object per service (the HTTP app's lifespan builds it from the :class:`~issuer.board.Board`),
holding no request state: everything that must outlive a request is in the board's database
(:mod:`issuer.oid4vci.grants`, and the ``c_nonce`` values in the service kit's nonce table).
The pre-authorized code flow (OpenID4VCI 1.0 §3.5), step by step:

1. :meth:`Oid4vciIssuer.create_offer` (the board's admin): a grant for one register subject and
   some credential configurations, its code and transaction code (§4.1.1).
2. :meth:`Oid4vciIssuer.token` (§6): the code and transaction code for a DPoP-bound access token
   (RFC 9449). Every DPoP proof carries a ``DPoP-Nonce`` the board handed out (§8); the first
   request gets ``use_dpop_nonce`` and the nonce to retry with.
3. :meth:`Oid4vciIssuer.c_nonce` (§7): a single-use ``c_nonce`` for the key proofs.
4. :meth:`Oid4vciIssuer.credential` (§8): one credential per key proof (batch issuance),
   each bound to its own key (:mod:`issuer.oid4vci.holders` decides whose key may hold it),
   with its own salts and status indexes, and ``iat``/``validFrom`` rounded down to the day so
   that a batch's credentials cannot be told apart by their times (RFC 9901 §10.1).
5. :meth:`Oid4vciIssuer.notify` (§11): the wallet says it accepted, failed or deleted them;
   the event log records it.

Enrolment in the same session (a shikaku extension). Outside development only an enrolled key
may hold a credential (:class:`~issuer.oid4vci.holders.EnrolledKeys`), so a board that has an
enrolment desk (:class:`issuer.enrolment.Enrolment`, built from ``jpki_anchors`` and
``enrolment_secret``) lets the wallet enrol its holder key with the access token of the
pre-authorized grant, between steps 2 and 4: the subject is the grant's, so nobody enrols a key
for someone else's offer.

- :meth:`Oid4vciIssuer.enrolment_challenge`: the board's challenge for the grant's subject,
  ``{"nonce", "audience", "purpose", "expires_at"}`` (:meth:`issuer.enrolment.Enrolment.challenge`);
- :meth:`Oid4vciIssuer.enrol`: ``{"mode": "card" | "wallet", "proof": <JpkiBindingProof>,
  "wallet_jwk"?: <public JWK, wallet mode>}`` — the card's signature over that challenge
  (:func:`jpki_bridge.binding.create_proof`) — verified and stored by
  :meth:`issuer.enrolment.Enrolment.enrol`; answers ``{"mode", "thumbprint"}`` (the RFC 7638
  thumbprint of the enrolled holder key: the card's auth key, or the wallet key).

The credential issuer metadata names both endpoints under two extension keys, present only when
the board enrols: ``shikaku_enrolment_challenge_endpoint`` and ``shikaku_enrolment_endpoint``
(:data:`ENROLMENT_METADATA`). Their refusals are ``card.*`` (the proof, the certificate),
``board.*`` (the subject) and ``request.*`` (the body) codes, answered as RFC 9457 problems.

Errors are :class:`~vc_core.errors.OAuthError` (``oauth.*``), whose suffix is the OAuth
``error`` the endpoint answers with (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9449 §7, OpenID4VCI 1.0
§6.3, §8.3.1.2, §11.3).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Final

from issuer.board import Board
from issuer.enrolment import MODES, Enrolment
from issuer.oid4vci.grants import Grant, GrantStore, digest, tx_code_digest
from issuer.oid4vci.holders import EnrolledKeys, Holder, KeyProofPolicy, ProofKeyTypes
from issuer.oid4vci.jwt_proofs import (
    DpopProof,
    KeyProof,
    check_dpop_proof,
    check_key_proof,
)
from issuer.oid4vci.metadata import (
    DPOP_ALGORITHMS,
    PRE_AUTHORIZED_GRANT,
    PROOF_ALGORITHMS,
    Configuration,
    Endpoints,
    authorization_server_metadata,
    configuration,
    configuration_id,
    issuer_metadata,
)
from issuer.oid4vci.models import GrantRow, TokenRow
from issuer.oid4vci.offers import CreatedOffer, code_of, new_tx_code, offer_object
from issuer.store import BoardEvent, IssuedInstance, StoredRecord
from service_kit import migrate as kit_migrate
from service_kit.nonces import NonceStore, SqlNonceStore
from vc_core.did import did_jwk_from_public_key
from vc_core.errors import BoardError, NonceError, OAuthError, RequestError
from vc_core.keys import jwk_thumbprint
from vc_schemas.catalogue import Catalogue, default_catalogue

__all__ = ["ENROLMENT_METADATA", "Accepted", "Oid4vciIssuer", "day_of"]

C_NONCE_PURPOSE: Final = "oid4vci-c_nonce"
NOTIFICATION_EVENTS: Final = ("credential_accepted", "credential_failure", "credential_deleted")
_MAX_CODE: Final = 200
_MAX_ID: Final = 200
_PROOF_MAX_AGE: Final = 300
_ISSUABLE: Final = "registered"
#: The metadata extension keys naming the enrolment endpoints, and their paths under /oid4vci.
ENROLMENT_METADATA: Final = {
    "shikaku_enrolment_challenge_endpoint": "enrolment/challenge",
    "shikaku_enrolment_endpoint": "enrolment",
}


def day_of(moment: datetime) -> datetime:
    """``moment`` rounded down to its UTC day: the ``iat`` every credential of a day shares."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Accepted:
    """What an accepted access token lets the caller do: its grant, and the DPoP key."""

    grant: Grant
    dpop: DpopProof


def _text(form: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise OAuthError("oauth.invalid_request", f"{name} is missing")
        return None
    if not isinstance(value, str) or len(value) > _MAX_CODE:
        raise OAuthError("oauth.invalid_request", f"{name} is malformed")
    return value


class Oid4vciIssuer:
    """The board's OpenID4VCI endpoints as plain methods (see the module)."""

    def __init__(
        self,
        board: Board,
        *,
        key_proofs: KeyProofPolicy | None = None,
        nonces: NonceStore | None = None,
        catalogue: Catalogue | None = None,
        enrolment: Enrolment | None = None,
    ) -> None:
        settings = board.settings
        self.board = board
        self.settings = settings
        self.endpoints = Endpoints.of(settings.public_url)
        self.catalogue = catalogue or default_catalogue()
        if key_proofs is None:
            # Fail closed: outside development only enrolled keys may hold credentials.
            holders = settings.oid4vci_holders or (
                "any" if settings.environment == "development" else "enrolled"
            )
            key_proofs = ProofKeyTypes() if holders == "any" else EnrolledKeys(board.store)
        self.key_proofs: KeyProofPolicy = key_proofs
        self.grants = GrantStore(board.store)
        if nonces is None:
            # The c_nonces live in the board's own database, in the service kit's nonce table.
            kit_migrate.upgrade(board.store.engine, kit_migrate.KIT_MIGRATIONS)
            nonces = SqlNonceStore(board.store.engine)
        self.nonces = nonces
        #: The board's enrolment desk, or None when it enrols nobody over OpenID4VCI.
        self.enrolment = enrolment

    @property
    def issuer(self) -> str:
        """The credential issuer identifier: the board's public URL."""
        return self.endpoints.issuer

    def now(self) -> datetime:
        return self.board.clock()

    # -- metadata --------------------------------------------------------------------------------

    @cached_property
    def issuer_metadata(self) -> dict[str, Any]:
        metadata = issuer_metadata(
            self.endpoints,
            self.catalogue,
            name=self.settings.name,
            batch_size=self.settings.oid4vci_batch_size,
            ldp_cryptosuite=self.settings.oid4vci_ldp_cryptosuite,
        )
        if self.enrolment is not None:
            for name, path in ENROLMENT_METADATA.items():
                metadata[name] = self.endpoints.url(path)
        return metadata

    @cached_property
    def authorization_server_metadata(self) -> dict[str, Any]:
        return authorization_server_metadata(self.endpoints)

    # -- offers ----------------------------------------------------------------------------------

    def create_offer(
        self,
        subject_id: str,
        configuration_ids: Sequence[str] | None = None,
        *,
        tx_code: bool = True,
        actor: str = "board",
    ) -> CreatedOffer:
        """Offer ``subject_id``'s credentials in the named configurations (see the module).

        ``configuration_ids`` None offers the subject's qualification as an SD-JWT VC only
        (``{qualification}_dc_sd_jwt``): the one form a holder can present both with a wallet
        key and on the My Number Card. ``board.record_unknown`` when the register has no such
        subject, ``board.not_issuable`` when its standing forbids issuing, ``request.invalid``
        for a configuration that is not of the subject's qualification.
        """
        record = self._issuable(subject_id)
        if configuration_ids is None:
            configuration_ids = [configuration_id(record.record.qualification_id, "dc+sd-jwt")]
        ids = tuple(dict.fromkeys(configuration_ids))
        if not ids:
            raise RequestError("request.invalid", "an offer names at least one configuration")
        for named in ids:
            try:
                chosen = configuration(self.catalogue, named)
            except OAuthError as exc:
                raise RequestError("request.invalid", exc.message) from None
            if chosen.qualification.id != record.record.qualification_id:
                raise RequestError("request.invalid", f"{named} is not the subject's qualification")
        now = self.now()
        reference = secrets.token_urlsafe(32)
        code = code_of(reference)
        length = self.settings.oid4vci_tx_code_length if tx_code else None
        transaction = new_tx_code(length) if length is not None else None
        salt = secrets.token_hex(16) if transaction is not None else None
        grant = self.grants.add_grant(
            GrantRow(
                id=uuid.uuid4().hex,
                subject_id=subject_id,
                configuration_ids=json.dumps(list(ids)),
                code_digest=digest(code),
                offer_digest=digest(reference),
                tx_code_digest=(
                    None if transaction is None else tx_code_digest(transaction, salt or "")
                ),
                tx_code_salt=salt,
                tx_code_length=length,
                tx_code_failures=0,
                actor=actor,
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.oid4vci_offer_ttl),
            )
        )
        self.board.store.log(
            BoardEvent(
                "oid4vci.offer_created",
                actor,
                subject_id=subject_id,
                details={"grant": grant.id, "configurations": list(ids), "txCode": tx_code},
            )
        )
        return CreatedOffer(
            grant_id=grant.id,
            subject_id=subject_id,
            offer=offer_object(self.issuer, ids, code, length),
            offer_uri=self.endpoints.offer(reference),
            pre_authorized_code=code,
            tx_code=transaction,
            expires_at=grant.expires_at,
        )

    def offer(self, reference: str) -> dict[str, Any]:
        """The offer object behind a ``credential_offer_uri``, while its grant is open."""
        grant = None
        if isinstance(reference, str) and 0 < len(reference) <= _MAX_ID:
            grant = self.grants.grant_by_offer(digest(reference))
        if grant is None or grant.redeemed_at is not None or self.now() >= grant.expires_at:
            raise RequestError("request.not_found", "no open credential offer here")
        code = code_of(reference)
        return offer_object(self.issuer, grant.configuration_ids, code, grant.tx_code_length)

    def _issuable(self, subject_id: str) -> StoredRecord:
        stored = self.board.store.record(subject_id)
        if stored is None:
            raise BoardError("board.record_unknown", "no register record for this subject")
        if stored.standing != _ISSUABLE:
            raise BoardError("board.not_issuable", f"the record's standing is {stored.standing}")
        return stored

    # -- DPoP ------------------------------------------------------------------------------------

    def dpop_nonce(self) -> str:
        """A new ``DPoP-Nonce`` (RFC 9449 §8), accepted for the proof lifetime."""
        now = self.now()
        value = secrets.token_urlsafe(24)
        expires = now + timedelta(seconds=self.settings.oid4vci_nonce_ttl)
        self.grants.add_dpop_nonce(value, expires_at=expires, now=now)
        return value

    def check_dpop(
        self, header: str | None, *, method: str, uri: str, access_token: str | None = None
    ) -> DpopProof:
        """RFC 9449 §4.3 for one request: the proof, the server's nonce, no replay."""
        if not header:
            raise OAuthError("oauth.invalid_dpop_proof", "this endpoint requires a DPoP proof")
        now = self.now()
        proof = check_dpop_proof(
            header,
            method=method,
            uri=uri,
            now=now,
            algorithms=DPOP_ALGORITHMS,
            access_token=access_token,
            max_age=_PROOF_MAX_AGE,
        )
        if proof.nonce is None or not self.grants.dpop_nonce_valid(proof.nonce, now=now):
            raise OAuthError("oauth.use_dpop_nonce", "use the DPoP-Nonce this answer carries")
        # A proof can be replayed only while its iat is accepted: remember its jti that long.
        expires = datetime.fromtimestamp(proof.iat, now.tzinfo) + timedelta(
            seconds=2 * _PROOF_MAX_AGE
        )
        if not self.grants.claim_jti(
            digest(f"{proof.jkt}:{proof.jti}"), expires_at=expires, now=now
        ):
            raise OAuthError("oauth.invalid_dpop_proof", "this DPoP proof was used before")
        return proof

    # -- the token endpoint ----------------------------------------------------------------------

    def token(
        self, form: Mapping[str, Any], *, dpop: str | None, uri: str | None = None
    ) -> dict[str, Any]:
        """The token endpoint (§6.1): a pre-authorized code for a DPoP-bound access token."""
        grant_type = _text(form, "grant_type")
        if grant_type != PRE_AUTHORIZED_GRANT:
            raise OAuthError("oauth.unsupported_grant_type", "only the pre-authorized code grant")
        code = _text(form, "pre-authorized_code")
        tx_code = _text(form, "tx_code", required=False)
        proof = self.check_dpop(dpop, method="POST", uri=uri or self.endpoints.token)
        now = self.now()
        access_token = secrets.token_urlsafe(32)
        ttl = self.settings.oid4vci_token_ttl
        token = TokenRow(
            token_digest=digest(access_token),
            grant_id="",
            jkt=proof.jkt,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        outcome, grant = self.grants.redeem(
            digest(code or ""),
            tx_code,
            token=token,
            now=now,
            max_failures=self.settings.oid4vci_tx_code_attempts,
        )
        if outcome == "tx_code_missing":
            raise OAuthError("oauth.invalid_request", "this grant needs its tx_code")
        if outcome == "tx_code_unexpected":
            raise OAuthError("oauth.invalid_request", "this grant has no tx_code")
        if outcome != "redeemed" or grant is None:
            messages = {
                "unknown": "the pre-authorized code is not known",
                "used": "the pre-authorized code was used before",
                "expired": "the pre-authorized code has expired",
                "locked": "too many wrong transaction codes: ask the board for a new offer",
                "tx_code_wrong": "the transaction code is wrong",
            }
            raise OAuthError("oauth.invalid_grant", messages.get(outcome, "refused"))
        self.board.store.log(
            BoardEvent(
                "oid4vci.code_redeemed",
                "wallet",
                subject_id=grant.subject_id,
                details={"grant": grant.id},
            )
        )
        return {"access_token": access_token, "token_type": "DPoP", "expires_in": ttl}

    # -- the nonce endpoint ----------------------------------------------------------------------

    def c_nonce(self) -> dict[str, Any]:
        """The nonce endpoint (§7.2): a fresh, single-use ``c_nonce``."""
        ttl = timedelta(seconds=self.settings.oid4vci_nonce_ttl)
        nonce = self.nonces.issue(
            audience=self.issuer, purpose=C_NONCE_PURPOSE, ttl=ttl, now=self.now()
        )
        return {"c_nonce": nonce.value}

    # -- protected resources: credential and notification ----------------------------------------

    def authorize(
        self, authorization: str | None, dpop: str | None, *, method: str, uri: str
    ) -> Accepted:
        """RFC 9449 §7.1: a DPoP access token and a proof by the key it is bound to."""
        scheme, _, access_token = (authorization or "").partition(" ")
        if scheme.lower() != "dpop" or not access_token.strip():
            raise OAuthError("oauth.invalid_token", "send the access token as DPoP")
        access_token = access_token.strip()
        proof = self.check_dpop(dpop, method=method, uri=uri, access_token=access_token)
        found = self.grants.token(digest(access_token), now=self.now())
        if found is None:
            raise OAuthError("oauth.invalid_token", "the access token is unknown or expired")
        token, grant = found
        if token.jkt != proof.jkt:
            raise OAuthError("oauth.invalid_token", "the access token is bound to another key")
        return Accepted(grant, proof)

    def credential(self, accepted: Accepted, body: Any) -> dict[str, Any]:
        """The credential endpoint (§8): one credential per key proof (see the module)."""
        chosen, tokens = self._credential_request(accepted.grant, body)
        now = self.now()
        proofs = [
            check_key_proof(
                token,
                audience=self.issuer,
                now=now,
                algorithms=PROOF_ALGORITHMS,
                max_age=_PROOF_MAX_AGE,
            )
            for token in tokens
        ]
        if len({proof.jkt for proof in proofs}) != len(proofs):
            raise OAuthError("oauth.invalid_proof", "each proof of a batch needs its own key")
        for value in dict.fromkeys(proof.nonce for proof in proofs):
            try:
                self.nonces.consume(value, audience=self.issuer, purpose=C_NONCE_PURPOSE, now=now)
            except NonceError as exc:
                raise OAuthError(
                    "oauth.invalid_nonce", f"the c_nonce is not accepted ({exc.code})"
                ) from None
        stored = self.board.store.record(accepted.grant.subject_id)
        if stored is None or stored.standing != _ISSUABLE:
            raise OAuthError("oauth.credential_request_denied", "the board cannot issue this now")
        holders = [self.key_proofs.holder(proof, record=stored) for proof in proofs]
        instances = [
            self._issue(
                accepted.grant, chosen, stored=stored, holder=holder, proof=proof, index=index
            )
            for index, (holder, proof) in enumerate(zip(holders, proofs, strict=True))
        ]
        notification_id = secrets.token_urlsafe(24)
        self.grants.add_notification(
            notification_id,
            grant=accepted.grant,
            credential_ids=[i.credential_id for i in instances],
            now=now,
        )
        credentials = [
            {"credential": json.loads(i.body) if chosen.format == "ldp_vc" else i.body}
            for i in instances
        ]
        return {"credentials": credentials, "notification_id": notification_id}

    def _credential_request(self, grant: Grant, body: Any) -> tuple[Configuration, list[str]]:
        """§8.2: the configuration asked for and the JWT key proofs, or the refusal."""
        refuse = "oauth.invalid_credential_request"
        if not isinstance(body, Mapping):
            raise OAuthError(refuse, "the credential request is a JSON object")
        if "credential_identifier" in body:
            raise OAuthError(refuse, "no credential identifiers were issued: name a configuration")
        if "credential_response_encryption" in body:
            raise OAuthError(refuse, "credential response encryption is not supported")
        configuration_id = body.get("credential_configuration_id")
        if not isinstance(configuration_id, str):
            raise OAuthError(refuse, "credential_configuration_id is missing")
        chosen = configuration(self.catalogue, configuration_id)
        if configuration_id not in grant.configuration_ids:
            raise OAuthError(
                "oauth.unknown_credential_configuration", "this grant does not offer it"
            )
        proofs = body.get("proofs")
        if not isinstance(proofs, Mapping) or set(proofs) != {"jwt"}:
            # A draft wallet's single "proof" is an unknown parameter in 1.0: ignored, so
            # its request has no proofs.
            raise OAuthError("oauth.invalid_proof", "proofs must hold exactly one type: jwt")
        tokens = proofs["jwt"]
        batch = self.settings.oid4vci_batch_size
        if not isinstance(tokens, list) or not 0 < len(tokens) <= batch:
            raise OAuthError("oauth.invalid_proof", f"proofs.jwt holds 1 to {batch} proofs")
        return chosen, tokens

    def _issue(
        self,
        grant: Grant,
        chosen: Configuration,
        *,
        stored: StoredRecord,
        holder: Holder,
        proof: KeyProof,
        index: int,
    ) -> IssuedInstance:
        """One credential of a batch, stored under its idempotent issuance key."""
        store = self.board.store
        key = f"oid4vci:{grant.id}:{chosen.id}:{index}"
        existing = store.credential_by_key(key)
        if existing is not None:
            if existing.holder_key != proof.jkt:
                raise OAuthError(
                    "oauth.invalid_credential_request",
                    "this grant already issued that credential to another key",
                )
            return existing
        now = self.now()
        day = day_of(now)
        issuer = replace(self.board.issuer, clock=lambda: day)
        if chosen.format == "ldp_vc":
            issued = issuer.issue_record(
                stored.record,
                form=self.settings.oid4vci_ldp_cryptosuite,
                profile=self.board.profile,
                holder_id=did_jwk_from_public_key(holder.key),
                issued_at=day,
            )
        else:
            issued = issuer.issue_record(
                stored.record,
                form="dc+sd-jwt",
                profile=self.board.profile,
                holder=holder.binding,
                issued_at=day,
            )
        body = (
            issued.secured
            if isinstance(issued.secured, str)
            else json.dumps(issued.secured, ensure_ascii=False)
        )
        instance = IssuedInstance(
            credential_id=issued.credential_id,
            issuance_key=key,
            subject_id=grant.subject_id,
            record_version=stored.version,
            form=issued.form,
            body=body,
            issued_at=now,
            holder_mode=holder.mode,
            holder_key=proof.jkt,
        )
        return store.add_credential(instance, actor="oid4vci")

    # -- enrolment in the session (see the module) -----------------------------------------------

    def _desk(self) -> Enrolment:
        if self.enrolment is None:
            raise RequestError("request.not_found", "this board enrols no holder keys here")
        return self.enrolment

    def enrolment_challenge(self, accepted: Accepted, body: Any = None) -> dict[str, Any]:
        """A challenge for the card of the grant's subject (``board.*`` if not issuable)."""
        challenge = self._desk().challenge(accepted.grant.subject_id)
        return {
            "nonce": challenge.nonce,
            "audience": challenge.audience,
            "purpose": challenge.purpose,
            "expires_at": challenge.expires_at.isoformat(),
        }

    def enrol(self, accepted: Accepted, body: Any) -> dict[str, Any]:
        """Enrol the holder key a binding proof names for the grant's subject."""
        desk = self._desk()
        if not isinstance(body, Mapping) or not set(body) <= {"mode", "proof", "wallet_jwk"}:
            raise RequestError("request.invalid", "send {mode, proof, wallet_jwk?}")
        mode, proof, wallet_jwk = body.get("mode"), body.get("proof"), body.get("wallet_jwk")
        if mode not in MODES:
            raise RequestError("request.invalid", f"mode is one of {', '.join(MODES)}")
        if not isinstance(proof, Mapping):
            raise RequestError("request.invalid", "proof is a JpkiBindingProof object")
        if wallet_jwk is not None and not (
            isinstance(wallet_jwk, Mapping) and all(isinstance(v, str) for v in wallet_jwk.values())
        ):
            raise RequestError("request.invalid", "wallet_jwk is a public JWK")
        enrolled = desk.enrol(accepted.grant.subject_id, proof, mode, wallet_jwk=wallet_jwk)
        return {"mode": enrolled.mode, "thumbprint": jwk_thumbprint(dict(enrolled.holder.jwk))}

    def notify(self, accepted: Accepted, body: Any) -> None:
        """The notification endpoint (§11): the wallet's word on what it did, logged."""
        refuse = "oauth.invalid_notification_request"
        if not isinstance(body, Mapping):
            raise OAuthError(refuse, "the notification is a JSON object")
        notification_id, event = body.get("notification_id"), body.get("event")
        if not isinstance(notification_id, str) or not 0 < len(notification_id) <= _MAX_ID:
            raise OAuthError(refuse, "notification_id is missing")
        if event not in NOTIFICATION_EVENTS:
            raise OAuthError(refuse, f"event is one of {', '.join(NOTIFICATION_EVENTS)}")
        found = self.grants.notification(notification_id)
        if found is None or found.grant_id != accepted.grant.id:
            raise OAuthError("oauth.invalid_notification_id", "no such notification")
        for credential_id in found.credential_ids:
            self.board.store.log(
                BoardEvent(
                    f"oid4vci.{event}",
                    "wallet",
                    subject_id=found.subject_id,
                    credential_id=credential_id,
                    details={"grant": found.grant_id},
                )
            )
