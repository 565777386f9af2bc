"""Enrolment: the board binds a holder key to a subject with the holder's My Number Card.

ARCHITECTURE.md, "Binding to the holder's JPKI certificate": at issuance the board verifies a
fresh card signature before it names a holder key in a credential's ``cnf``. The protocol is
:mod:`jpki_bridge.binding`'s (challenge → card signature → proof); this module is the board's
side of it.

1. :meth:`Enrolment.challenge` issues a single-use nonce (:mod:`service_kit.nonces`, in the
   board's own database) for the board's origin (``public_url``) and a purpose that names the
   subject: ``enrol-`` and 20 hex digits of SHA-256 over the subject id. A proof made for one
   subject therefore never enrols another (``card.purpose_mismatch``).
2. The holder's card signs it (:func:`jpki_bridge.binding.create_proof`):

   - **card** mode: the user-authentication (利用者証明用) key signs, and its public key becomes
     the holder key; ``cnf`` carries it with the certificate's ``x5t#S256``;
   - **wallet** mode: the card (auth or signing key) signs a statement over the nonce and the
     wallet key's JWK thumbprint, and the wallet key becomes the holder key.

3. :meth:`Enrolment.enrol` verifies the proof (:func:`jpki_bridge.binding.verify_proof`): the
   signature, the chain to the board's configured JPKI roots (``jpki_anchors``) with validity,
   key usage and policy, revocation through the configured sources (``jpki_crl``,
   ``jpki_ocsp``; a source that cannot answer refuses, and with ``jpki_revocation_required``
   a board without a source refuses to enrol at all), and the nonce last (unknown, reused or
   expired each refuse).
4. When the signing (署名用) certificate signed, its four facts are matched to the subject's
   register record (:func:`facts_mismatches`): the name (family and given, after Unicode NFKC
   and without spaces; a name with substitute characters cannot be compared and refuses),
   the date of birth, and the sex when the register records it as 1 or 2. The address is
   never compared and never stored: the register holds no address (only the prefecture of the
   family register, which the certificate does not carry). The user-authentication
   certificate carries no personal data, so an auth-key enrolment proves possession of a
   valid card only; the caller ties it to the subject through its own session (an OpenID4VCI
   pre-authorised code), and a board that wants identity asks for the signing key.
5. The enrolment is stored (:mod:`issuer.store.enrolments`) with its *link*: HMAC-SHA-256 of
   the certificate under the board's ``enrolment_secret`` — never the certificate, its serial
   or the My Number — and the board's event log records it (mode, holder key thumbprint).
   Enrolling the same key again for the same subject and mode returns the first enrolment.

Every refusal raises before anything is stored: ``card.*`` for the proof and the certificate
(``card.facts_mismatch`` for the four facts), ``board.record_unknown`` for a subject the
register does not know, ``board.not_issuable`` for one whose standing forbids issuing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import sqlalchemy as sa
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import SecretStr
from sqlalchemy.orm import Session

from issuer.board import Board
from issuer.jose_forms import HolderBinding
from issuer.settings import IssuerSettings
from issuer.store.enrolments import EnrolmentRow
from issuer.store.models import EventRow
from jpki_bridge.binding import BindingProof, BindingResult, verify_proof
from jpki_bridge.certs import CertKind, FourFacts, Sex
from jpki_bridge.challenge import Challenge, canonical_origin
from jpki_bridge.nonces import issue_challenge
from jpki_bridge.revocation import CrlSource, OcspSource, RevocationSource
from jpki_bridge.validation import TrustAnchors
from service_kit.db import transact
from service_kit.migrate import KIT_MIGRATIONS, upgrade
from service_kit.nonces import NonceStore, SqlNonceStore
from vc_core.codecs import b64url_encode
from vc_core.errors import BoardError, CardError, ConfigError, KeyMaterialError
from vc_core.keys import jwk_thumbprint, public_jwk, public_key_from_jwk
from vc_schemas.record import RegisterRecord

__all__ = [
    "ENROLMENT_ACTION",
    "Enrolled",
    "Enrolment",
    "Mode",
    "enrolment_desk",
    "enrolment_purpose",
    "facts_mismatches",
]

log = logging.getLogger("shikaku.issuer.enrolment")
Mode = Literal["card", "wallet"]
MODES: Final = ("card", "wallet")
#: The board event an enrolment logs (details: mode, holder key thumbprint, card key).
ENROLMENT_ACTION: Final = "holder_enrolled"
_ISSUABLE: Final = "registered"
_LINK_LABEL: Final = b"shikaku enrolment link v1\x00"
_SPACES: Final = str.maketrans("", "", " \u3000\t")
#: ISO/IEC 5218 (the register) to JPKI (the certificate); 0 and 9 are not compared.
_SEX: Final = {"1": Sex.MALE, "2": Sex.FEMALE}


def enrolment_purpose(subject_id: str) -> str:
    """The binding purpose of ``subject_id``'s challenges: ``enrol-`` + 20 hex digits."""
    return "enrol-" + hashlib.sha256(subject_id.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Enrolled:
    """A subject's enrolled holder key: what a credential's ``cnf`` names, and the link."""

    subject_id: str
    holder: HolderBinding
    mode: Mode
    link: str
    card_key: CertKind
    enrolled_at: dt.datetime


def _name(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_SPACES)


def facts_mismatches(facts: FourFacts, record: RegisterRecord) -> tuple[str, ...]:
    """Which of the four facts disagree with ``record`` (names only, never values)."""
    problems: list[str] = []
    if facts.name_substitutes and any(c != "0" for c in facts.name_substitutes):
        problems.append("name")  # A substitute character cannot be compared: fail closed.
    elif (_name(facts.family_name), _name(facts.given_name)) != (
        _name(record.family_name),
        _name(record.given_name),
    ):
        problems.append("name")
    if facts.birth_date.date != record.date_of_birth:
        problems.append("date_of_birth")
    expected_sex = _SEX.get(record.sex or "")
    if expected_sex is not None and facts.sex is not expected_sex:
        problems.append("sex")
    return tuple(problems)


class Enrolment:
    """The board's enrolment desk (see the module)."""

    def __init__(
        self,
        board: Board,
        anchors: TrustAnchors,
        revocation: Sequence[RevocationSource],
        secret: str | SecretStr,
        *,
        revocation_required: bool | None = None,
        nonces: NonceStore | None = None,
        ttl: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if len(key) < 16:
            raise ConfigError("config.invalid", "enrolment_secret: at least 16 characters")
        if not anchors.certificates:
            raise ConfigError("config.invalid", "jpki_anchors: the board trusts no JPKI root")
        required = (
            board.settings.revocation_required
            if revocation_required is None
            else revocation_required
        )
        if required and not revocation:
            raise ConfigError(
                "config.invalid",
                "jpki_crl / jpki_ocsp: revocation checks are required and no source is set",
            )
        self.board = board
        self.anchors = anchors
        self.revocation = tuple(revocation)
        self.audience = canonical_origin(board.settings.public_url)
        self.ttl = ttl
        self._secret = key.encode("utf-8")
        if nonces is None:
            upgrade(board.store.engine, KIT_MIGRATIONS)  # The board's own nonces table.
            nonces = SqlNonceStore(board.store.engine)
        self.nonces = nonces

    @classmethod
    def from_settings(cls, board: Board, *, nonces: NonceStore | None = None) -> Enrolment:
        """The desk ``board.settings`` describe (``jpki_*``, ``enrolment_secret``)."""
        settings: IssuerSettings = board.settings
        if settings.enrolment_secret is None:
            raise ConfigError("config.invalid", "enrolment_secret: enrolment needs a secret")
        sources: list[RevocationSource] = [CrlSource(c) for c in settings.jpki_crl]
        sources.extend(OcspSource(url) for url in settings.jpki_ocsp)
        return cls(
            board,
            TrustAnchors.from_files(settings.jpki_anchors),
            sources,
            settings.enrolment_secret,
            nonces=nonces,
        )

    # -- the protocol --------------------------------------------------------------------------

    def challenge(self, subject_id: str) -> Challenge:
        """A fresh challenge for ``subject_id``'s card (``board.record_unknown`` if none)."""
        self._issuable(subject_id)
        return issue_challenge(
            self.nonces,
            self.audience,
            enrolment_purpose(subject_id),
            now=self.board.clock(),
            ttl=self.ttl,
        )

    def enrol(
        self,
        subject_id: str,
        proof: BindingProof | Mapping[str, Any],
        mode: Mode,
        *,
        wallet_jwk: Mapping[str, str] | None = None,
    ) -> Enrolled:
        """Verify ``proof`` and enrol its holder key for ``subject_id`` (see the module).

        ``wallet_jwk`` is the wallet's public key in wallet mode (the proof names only its
        thumbprint), and must be absent in card mode.
        """
        if mode not in MODES:
            raise CardError("card.proof_malformed", f"mode must be one of {', '.join(MODES)}")
        parsed = proof if isinstance(proof, BindingProof) else BindingProof.from_json(proof)
        wallet = _wallet_key(wallet_jwk) if mode == "wallet" else None
        if mode == "card":
            if wallet_jwk is not None:
                raise CardError("card.wallet_key_mismatch", "card mode binds the card's own key")
            if parsed.key is not CertKind.AUTH:
                raise CardError(
                    "card.proof_malformed", "card mode binds the user-authentication key"
                )
        record = self._issuable(subject_id)
        result = verify_proof(
            parsed,
            audience=self.audience,
            purpose=enrolment_purpose(subject_id),
            nonces=self.nonces,
            anchors=self.anchors,
            now=self.board.clock(),
            revocation=self.revocation,
            wallet_jwk=wallet,
        )
        if result.four_facts is not None:
            mismatched = facts_mismatches(result.four_facts, record)
            if mismatched:
                raise CardError(
                    "card.facts_mismatch",
                    "the signing certificate does not match the register record: "
                    + ", ".join(mismatched),
                    fields=list(mismatched),
                )
        holder = (
            HolderBinding(wallet)
            if wallet is not None
            else HolderBinding.of_certificate(result.chain.leaf)
        )
        return self._store(subject_id, mode, holder, result)

    def binding_for(self, subject_id: str, mode: Mode | None = None) -> HolderBinding | None:
        """The holder key ``subject_id`` enrolled last (in ``mode``, when given), or None."""
        enrolled = self.enrolled(subject_id, mode)
        return enrolled.holder if enrolled is not None else None

    def enrolled(self, subject_id: str, mode: Mode | None = None) -> Enrolled | None:
        """The last enrolment of ``subject_id`` (in ``mode``, when given), or None."""

        def work(session: Session) -> Enrolled | None:
            query = sa.select(EnrolmentRow).where(EnrolmentRow.subject_id == subject_id)
            if mode is not None:
                query = query.where(EnrolmentRow.mode == mode)
            row = session.scalars(query.order_by(EnrolmentRow.id.desc()).limit(1)).first()
            return _enrolled(row) if row is not None else None

        return self.board.store.transact(work, durable=False)

    # -- parts ---------------------------------------------------------------------------------

    def link(self, result: BindingResult) -> str:
        """The salted hash that recognises the verified certificate again (never stored raw)."""
        der = result.chain.leaf.public_bytes(Encoding.DER)
        return b64url_encode(hmac.new(self._secret, _LINK_LABEL + der, hashlib.sha256).digest())

    def _issuable(self, subject_id: str) -> RegisterRecord:
        stored = self.board.store.record(subject_id)
        if stored is None:
            raise BoardError("board.record_unknown", subject_id=subject_id)
        if stored.standing != _ISSUABLE:
            raise BoardError("board.not_issuable", subject_id=subject_id, standing=stored.standing)
        return stored.record

    def _store(
        self, subject_id: str, mode: Mode, holder: HolderBinding, result: BindingResult
    ) -> Enrolled:
        jwk = dict(holder.jwk)
        thumbprint = jwk_thumbprint(jwk)
        now = self.board.clock()

        def work(session: Session) -> Enrolled:
            existing = session.scalars(
                sa.select(EnrolmentRow).where(
                    EnrolmentRow.subject_id == subject_id,
                    EnrolmentRow.mode == mode,
                    EnrolmentRow.holder_thumbprint == thumbprint,
                )
            ).first()
            if existing is not None:
                return _enrolled(existing)
            row = EnrolmentRow(
                subject_id=subject_id,
                mode=mode,
                holder_jwk=json.dumps(jwk, sort_keys=True, separators=(",", ":")),
                holder_thumbprint=thumbprint,
                x5t_s256=holder.x5t_s256,
                link=self.link(result),
                card_key=result.kind.value,
                revocation=result.revocation.status.value,
                enrolled_at=now,
            )
            session.add(row)
            session.add(
                EventRow(
                    at=now,
                    actor="enrolment",
                    action=ENROLMENT_ACTION,
                    subject_id=subject_id,
                    details=json.dumps(
                        {"mode": mode, "holderKey": thumbprint, "cardKey": result.kind.value},
                        sort_keys=True,
                    ),
                )
            )
            session.flush()
            return _enrolled(row)

        # Two enrolments of one key racing: the loser's unique violation is retried, and the
        # retry finds the winner's row.
        return transact(self.board.store.engine, work, retry_unique=True)


def enrolment_desk(board: Board) -> Enrolment | None:
    """The enrolment desk ``board``'s settings describe, or None when they trust no JPKI root
    (``jpki_anchors`` empty): such a board enrols nobody. Outside development, roots without
    ``enrolment_secret`` (or without a revocation source where one is required) are
    ``config.invalid``; a development board without the secret enrols nobody, and says so."""
    settings = board.settings
    if not settings.jpki_anchors:
        return None
    if settings.enrolment_secret is None and settings.environment == "development":
        log.warning("jpki_anchors without enrolment_secret: this board enrols no holder keys")
        return None
    return Enrolment.from_settings(board)


def _wallet_key(jwk: Mapping[str, str] | None) -> dict[str, str]:
    if jwk is None:
        raise CardError("card.wallet_key_mismatch", "wallet mode needs the wallet's public key")
    if "d" in jwk:
        raise KeyMaterialError("key.unsupported", "the wallet key must be sent as a public JWK")
    return public_jwk(public_key_from_jwk(dict(jwk)))


def _enrolled(row: EnrolmentRow) -> Enrolled:
    jwk = json.loads(row.holder_jwk)
    return Enrolled(
        subject_id=row.subject_id,
        holder=HolderBinding(jwk, row.x5t_s256),
        mode="card" if row.mode == "card" else "wallet",
        link=row.link,
        card_key=CertKind(row.card_key),
        enrolled_at=row.enrolled_at,
    )
