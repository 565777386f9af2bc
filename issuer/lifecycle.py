"""The board's lifecycle orders: what happens to a licence after it was issued.

DOMAIN.md, "Lifecycle → status", lists the events; :class:`Lifecycle` has one method per
order, and each runs as one unit of work on the :class:`~issuer.board.Board`:

1. it checks the order (the subject is on the register: ``board.record_unknown``; dates in
   order, a legal basis and an actor given, nothing that contradicts the register's standing:
   ``board.event_invalid``) before anything changes;
2. it moves the register record (its standing, or a new version of the record);
3. it changes status through the status registry (which writes its own audit lines), or
   issues the replacement credential through the board's :class:`~issuer.service.Issuer` and
   stores it under a deterministic ``issuance_key``;
4. it republishes the status lists it touched (``publisher.publish``), so employers see the
   change at once;
5. it appends a :class:`~issuer.store.BoardEvent` ``lifecycle.*`` to the board's event log:
   who, when, the legal basis, the reason code, the order id and credential ids — never
   free text about the person, a My Number, an address or a certificate.

Every order carries an ``order_id`` (the board's reference of the order, e.g. its document
number). Giving the same order again does nothing twice: its event is found and returned
(``repeated``), and an order interrupted half-way (a crash between the status change and the
event) is finished by the retry, because each step is idempotent on its own — the registry
leaves a revoked credential alone, a suspension schedule is named after its order, and a
replacement credential is found by its issuance key. The same ``order_id`` given again for the
same subject with other contents is ``board.event_invalid``. Order ids are looked up among the
subject's own events: an order naming several holders is given to each of them.

What each order does:

- :meth:`Lifecycle.suspend` (業務停止 / 医業停止 / 業務禁止: reason code 1; 名称使用停止: 2)
  schedules a suspension of the subject's every instance from its first day until the day the
  licence is valid again; instances issued while it lasts start suspended (also when the
  subject had none yet: the schedule is then stored on its own, with its audit line). A date
  is a Japanese calendar day (midnight JST). :class:`LifecycleScheduler` applies and lifts it.
- :meth:`Lifecycle.reinstate` ends every current or future suspension now (the order is
  withdrawn or shortened), each schedule it ends audited as ``unschedule`` under the order;
  :meth:`Lifecycle.stay` is a court's stay (執行停止) of one earlier order: a stayed
  suspension ends now (that schedule only); a stayed revocation cannot be undone in the status
  lists (revocation is irreversible), so the stay gives the holder new credentials with new
  indexes, as a re-licence does, and the standing goes back to registered. When the stay ends
  and the order stands, the board gives the order again (a new ``order_id``).
- :meth:`Lifecycle.revoke` (免許取消 / 登録取消 / 失格処分: 3; 申請による抹消: 5) revokes
  every instance and moves the standing to revoked (erased); :func:`issuable` refuses any
  later issuance with ``board.not_issuable``. :meth:`Lifecycle.record_death` revokes with
  reason 4 (死亡) and moves the standing to deceased.
- :meth:`Lifecycle.rename` (籍訂正: name or 本籍 change) stores the record's new version and
  issues one new credential per form and holder key the live instances had (same
  ``licenseNumber`` and ``awardedDate``, a new ``validFrom``, the same holder binding, read
  from the old instance's ``cnf``), then revokes the old ones with reason 6
  (再発行により無効). :meth:`Lifecycle.on_record_changed` does the same for a register import
  that found a changed row.
- :meth:`Lifecycle.relicense` (再免許) returns a revoked licence to registered and issues new
  credentials with new indexes; the old ones stay revoked.
- :meth:`Lifecycle.renew_binding` (the holder's JPKI certificate renewed): in card mode the
  instances bound to the card are reissued to the new key and the old ones superseded; in
  wallet mode the wallet key does not change, and the event is recorded.
- :meth:`Lifecycle.replace_instance` (new device, lost device, re-download): one new instance,
  the old one superseded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.board import Board
from issuer.jose_forms import HolderBinding
from issuer.status import changes as status_changes
from issuer.status import rules
from issuer.status.messages import SUSPENSION_CODES, ReasonCode
from issuer.status.models import AuditRow, EntryRow, ScheduleRow
from issuer.status.publish import Publication
from issuer.status.records import Schedule, StatusChange, TickReport, schedule_of
from issuer.store import BoardEvent, IssuedInstance, StoredRecord
from vc_core.errors import BoardError, ShikakuError, StatusError
from vc_core.keys import jwk_thumbprint
from vc_schemas.builder import JST, build_credential
from vc_schemas.record import RegisterRecord

__all__ = [
    "ACTIONS",
    "LABELS",
    "RENAMEABLE",
    "Lifecycle",
    "LifecycleScheduler",
    "OrderOutcome",
    "binding_of",
    "issuable",
    "issuance_key",
    "jst_moment",
]

logger = logging.getLogger(__name__)

Mode = Literal["card", "wallet"]

#: The event each order appends to the board's log.
ACTIONS: Final = {
    "suspend": "lifecycle.suspended",
    "reinstate": "lifecycle.reinstated",
    "stay": "lifecycle.stayed",
    "revoke": "lifecycle.revoked",
    "death": "lifecycle.deceased",
    "rename": "lifecycle.renamed",
    "relicense": "lifecycle.relicensed",
    "renew_binding": "lifecycle.binding_renewed",
    "replace": "lifecycle.replaced",
}

#: What the board's events mean, in Japanese and English (``shikaku issuer events``).
LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "record.new": ("名簿登録", "register record added"),
    "record.changed": ("名簿訂正", "register record changed"),
    "credential.issued": ("発行", "credential issued"),
    "holder_enrolled": ("本人確認・鍵の登録", "holder key enrolled"),
    "lifecycle.suspended": ("業務停止等の処分", "suspension ordered"),
    "lifecycle.reinstated": ("停止の解除", "suspension lifted"),
    "lifecycle.stayed": ("執行停止", "order stayed by a court"),
    "lifecycle.revoked": ("免許取消・登録取消", "licence revoked"),
    "lifecycle.deceased": ("死亡による抹消", "holder deceased"),
    "lifecycle.renamed": ("籍訂正による再発行", "reissued after a register change"),
    "lifecycle.relicensed": ("再免許", "re-licensed"),
    "lifecycle.binding_renewed": ("電子証明書の更新", "JPKI certificate renewed"),
    "lifecycle.replaced": ("再発行", "instance replaced"),
}

#: The register fields a 籍訂正 (name or 本籍 change) may change.
RENAMEABLE: Final = frozenset(
    {
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "former_family_name",
        "former_family_name_kana",
        "domicile_prefecture",
    }
)

#: The legal basis of a reissue that follows a register change found by an import.
REGISTER_CHANGE_BASIS: Final = "名簿の訂正 (register record changed)"
#: The legal basis of a holder's own request (re-download, new device, renewed certificate).
HOLDER_REQUEST_BASIS: Final = "本人の申請 (holder request)"

_ISSUABLE: Final = "registered"
_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_MAX_BASIS: Final = 500
_LABEL_OF_CODE: Final = {
    ReasonCode.SUSPENDED: "業務停止",
    ReasonCode.NAME_USE_SUSPENDED: "名称使用停止",
    ReasonCode.REVOKED: "免許取消",
    ReasonCode.DECEASED: "死亡",
    ReasonCode.ERASED_ON_APPLICATION: "申請による抹消",
    ReasonCode.SUPERSEDED: "再発行により無効",
}
_STANDING_OF_CODE: Final = {
    ReasonCode.REVOKED: "revoked",
    ReasonCode.ERASED_ON_APPLICATION: "erased",
}


def issuable(stored: StoredRecord | None, subject_id: str | None = None) -> RegisterRecord:
    """The record if the board may issue it: ``board.record_unknown`` when there is none,
    ``board.not_issuable`` when its standing is revoked, erased or deceased.

    Every path that issues (the issuer service, bulk issuance, OpenID4VCI) calls this on the
    stored record before it allocates status.
    """
    if stored is None:
        raise BoardError("board.record_unknown", subject_id=subject_id)
    if stored.standing != _ISSUABLE:
        raise BoardError(
            "board.not_issuable", subject_id=stored.subject_id, standing=stored.standing
        )
    return stored.record


def issuance_key(order_id: str, name: str) -> str:
    """The issuance key of a credential an order issues (``lifecycle:{order}:{name}``)."""
    return f"lifecycle:{order_id}:{name}"


def jst_moment(value: date | datetime) -> datetime:
    """A day of an order as the moment it begins in Japan (00:00 JST); a datetime as given
    (it must name its time zone)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise BoardError("board.event_invalid", "an order's time needs a time zone")
        return value
    return datetime.combine(value, time(0), tzinfo=JST)


def binding_of(instance: IssuedInstance) -> HolderBinding | None:
    """The holder binding an issued instance carries, to bind its replacement to the same key.

    The ``cnf`` claim of a JOSE form is read from the stored body (it has the card
    certificate's ``x5t#S256`` too); a stored ``holder_key`` that is a JWK is used when the
    body has none. An instance issued unbound (a Data Integrity credential, whose holder is its
    ``credentialSubject.id``) has none.
    """
    cnf = _payload(instance.body).get("cnf")
    if isinstance(cnf, Mapping) and isinstance(cnf.get("jwk"), Mapping):
        x5t = cnf.get("x5t#S256")
        return HolderBinding(dict(cnf["jwk"]), x5t if isinstance(x5t, str) else None)
    if instance.holder_key and instance.holder_key.lstrip().startswith("{"):
        jwk = json.loads(instance.holder_key)
        if isinstance(jwk, dict) and "kty" in jwk:
            return HolderBinding({str(k): str(v) for k, v in jwk.items()})
    return None


def _holder_id(instance: IssuedInstance) -> str | None:
    """The holder's DID an instance names as ``credentialSubject.id``, if it shows one."""
    subject = _payload(instance.body).get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None


def _payload(body: str) -> Mapping[str, Any]:
    """The claims of a stored body: the JSON of a Data Integrity credential, the payload of
    a JWT or SD-JWT (its issuer-signed part). Nothing is verified: the board made it."""
    text = body.strip()
    try:
        if text.startswith("{"):
            value = json.loads(text)
        else:
            part = text.split("~", 1)[0].split(".")[1]
            value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class OrderOutcome:
    """What an order did: its event, the status changes, the credentials it issued and the
    ones it superseded. ``repeated`` is true when the order had been carried out before and
    this call changed nothing."""

    order_id: str
    action: str
    subject_id: str
    standing: str
    event: BoardEvent
    changes: tuple[StatusChange, ...] = ()
    issued: tuple[IssuedInstance, ...] = ()
    superseded: tuple[str, ...] = ()
    schedule: Schedule | None = None
    repeated: bool = False


@dataclass(frozen=True)
class _Order:
    """An order's identity and cause, checked."""

    kind: str
    order_id: str
    subject_id: str
    legal_basis: str
    actor: str
    fingerprint: str

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]

    @property
    def tag(self) -> str:
        return f"[order {self.order_id}]"

    def reason(self, label: str) -> str:
        return f"{label} {self.tag}"


@dataclass
class _Work:
    """What an order has done so far (collected for its event and outcome)."""

    changes: list[StatusChange] = field(default_factory=list)
    issued: list[IssuedInstance] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    urls: set[str] = field(default_factory=set)


class Lifecycle:
    """The lifecycle orders of one board (see the module)."""

    def __init__(self, board: Board) -> None:
        self.board = board

    # -- 業務停止 / 医業停止 / 名称使用停止 -------------------------------------------------------

    def suspend(
        self,
        subject_id: str,
        *,
        starts: date | datetime,
        ends: date | datetime | None,
        code: int = ReasonCode.SUSPENDED,
        legal_basis: str,
        actor: str,
        order_id: str,
    ) -> OrderOutcome:
        """Suspend every instance of ``subject_id`` from ``starts`` until ``ends`` (the day it
        is valid again; ``None``: until reinstated)."""
        start, end = jst_moment(starts), None if ends is None else jst_moment(ends)
        order = self._order(
            "suspend",
            subject_id,
            legal_basis,
            actor,
            order_id,
            starts=start.isoformat(),
            ends=None if end is None else end.isoformat(),
            code=int(code),
        )
        reason_code = _code(code, SUSPENSION_CODES, "a suspension")
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, (_ISSUABLE,), "a suspension")
        now = self.board.clock()
        if end is not None and (end <= start or end <= now):
            raise BoardError("board.event_invalid", "the suspension ends before it starts or now")
        work = _Work()
        schedule = self._find_schedule(order)
        if schedule is None:
            schedule = self._schedule(order, start, end, reason_code, work)
        details = {
            "from": _day(start),
            "until": None if end is None else _day(end),
            "scheduleId": schedule.id,
        }
        return self._finish(order, stored, work, reason_code, details, schedule=schedule)

    def reinstate(
        self, subject_id: str, *, legal_basis: str, actor: str, order_id: str
    ) -> OrderOutcome:
        """End every current or future suspension of ``subject_id`` now (the order withdrawn,
        shortened, or cancelled on appeal)."""
        order = self._order("reinstate", subject_id, legal_basis, actor, order_id)
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, (_ISSUABLE,), "a reinstatement")
        open_ids = [s.id for s in self._open_schedules(subject_id)]
        ended = self._ended_by(order)  # By an interrupted run of this order.
        if not open_ids and not ended:
            raise BoardError("board.event_invalid", f"{subject_id} has no suspension to lift")
        work = _Work()
        self._end_schedules(order, open_ids, work)
        return self._finish(order, stored, work, None, {"schedules": sorted({*open_ids, *ended})})

    def stay(
        self,
        subject_id: str,
        *,
        stayed_order_id: str,
        legal_basis: str,
        actor: str,
        order_id: str,
    ) -> OrderOutcome:
        """A court's stay (執行停止) of the earlier order ``stayed_order_id`` (see the module)."""
        order = self._order(
            "stay", subject_id, legal_basis, actor, order_id, stayed=stayed_order_id
        )
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        stayed = self._event_of(subject_id, stayed_order_id)
        work = _Work()
        details: dict[str, Any] = {"stayedOrder": stayed_order_id}
        if stayed is not None and stayed.action == ACTIONS["suspend"]:
            self._standing(stored, (_ISSUABLE,), "a stay of a suspension")
            schedule_id = int(stayed.details["scheduleId"])
            if schedule_id in {s.id for s in self._open_schedules(subject_id)}:
                self._end_schedules(order, [schedule_id], work)
            elif schedule_id not in self._ended_by(order):
                raise BoardError("board.event_invalid", f"{stayed_order_id} is over already")
            return self._finish(order, stored, work, None, details)
        if stayed is not None and stayed.action == ACTIONS["revoke"]:
            if stored.standing not in _STANDING_OF_CODE.values():
                raise BoardError("board.event_invalid", f"{stayed_order_id} is not in force")
            self._reissue_revoked(order, stored, None, (), work)
            return self._finish(order, stored, work, None, details, standing=_ISSUABLE)
        raise BoardError(
            "board.event_invalid",
            f"{subject_id} has no suspension or revocation order {stayed_order_id}",
        )

    # -- 免許取消 / 登録取消, death ---------------------------------------------------------

    def revoke(
        self,
        subject_id: str,
        *,
        code: int = ReasonCode.REVOKED,
        legal_basis: str,
        actor: str,
        order_id: str,
    ) -> OrderOutcome:
        """Revoke every instance of ``subject_id`` (3 免許取消/登録取消/失格処分, or 5 申請による
        抹消) and move its standing to revoked (erased): no credential is issued again."""
        order = self._order("revoke", subject_id, legal_basis, actor, order_id, code=int(code))
        reason_code = _code(code, frozenset(_STANDING_OF_CODE), "a revocation")
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, (_ISSUABLE,), "a revocation")
        work = _Work()
        self._revoke_subject(order, reason_code, work)
        standing = _STANDING_OF_CODE[reason_code]
        return self._finish(order, stored, work, reason_code, {}, standing=standing)

    def record_death(
        self, subject_id: str, *, legal_basis: str, actor: str, order_id: str
    ) -> OrderOutcome:
        """The holder died (a 住基 notification): every instance revoked with reason 4 (死亡),
        the standing deceased."""
        order = self._order("death", subject_id, legal_basis, actor, order_id)
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        if stored.standing == "deceased":
            raise BoardError("board.event_invalid", f"{subject_id} is recorded deceased already")
        work = _Work()
        self._revoke_subject(order, ReasonCode.DECEASED, work)
        return self._finish(order, stored, work, ReasonCode.DECEASED, {}, standing="deceased")

    # -- 籍訂正, the register's changes ------------------------------------------------------

    def rename(
        self,
        subject_id: str,
        changes: Mapping[str, Any],
        *,
        legal_basis: str,
        actor: str,
        order_id: str,
    ) -> OrderOutcome:
        """Change the name or 本籍 (``changes``: fields of :data:`RENAMEABLE`) and reissue."""
        order = self._order(
            "rename", subject_id, legal_basis, actor, order_id, changes=dict(changes)
        )
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, (_ISSUABLE,), "a register change")
        unknown = sorted(set(changes) - RENAMEABLE)
        if not changes or unknown:
            raise BoardError(
                "board.event_invalid",
                f"a 籍訂正 changes some of {', '.join(sorted(RENAMEABLE))}"
                + (f", not {', '.join(unknown)}" if unknown else ""),
            )
        record = replace(stored.record, **dict(changes))
        _outcome, current = self.board.store.put_record(record, actor=actor)
        return self._reissue_changed(order, current, previous_version=stored.version)

    def on_record_changed(self, stored: StoredRecord, previous_version: int) -> OrderOutcome:
        """The register import found ``stored`` changed from ``previous_version``: reissue the
        live instances built from an older version (as :meth:`rename`)."""
        order = self._order(
            "rename",
            stored.subject_id,
            REGISTER_CHANGE_BASIS,
            "register",
            f"register-{stored.subject_id}-v{stored.version}",
            version=stored.version,
        )
        if stored.version <= previous_version:
            raise BoardError("board.event_invalid", "the record did not change version")
        current = self._known(stored.subject_id)
        if (done := self._done(order, current)) is not None:
            return done
        return self._reissue_changed(order, current, previous_version=previous_version)

    def catch_up(self, subject_id: str) -> OrderOutcome | None:
        """Reissue ``subject_id``'s live instances built from an older record version, when
        the register import's call of :meth:`on_record_changed` did not happen (the process
        died after its commit); None when every live instance is current."""
        current = self._known(subject_id)
        if current.version <= 1:
            return None
        for instance in self.board.store.credentials_of(subject_id):
            if instance.record_version < current.version and not self._revoked(instance):
                return self.on_record_changed(current, instance.record_version)
        return None

    # -- 再免許, JPKI renewal, new device ----------------------------------------------------

    def relicense(
        self,
        subject_id: str,
        *,
        legal_basis: str,
        actor: str,
        order_id: str,
        forms: Sequence[str] = (),
        binding: HolderBinding | None = None,
    ) -> OrderOutcome:
        """再免許: a revoked (or erased) licence is granted again. New credentials with new
        indexes are issued in ``forms`` (default: the forms the holder had), bound to
        ``binding`` (default: the key each form was bound to); the old ones stay revoked."""
        order = self._order(
            "relicense",
            subject_id,
            legal_basis,
            actor,
            order_id,
            forms=list(forms),
            holder=None if binding is None else _thumbprint(binding),
        )
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, tuple(_STANDING_OF_CODE.values()), "a re-licence")
        work = _Work()
        self._reissue_revoked(order, stored, binding, forms, work)
        return self._finish(order, stored, work, None, {}, standing=_ISSUABLE)

    def renew_binding(
        self,
        subject_id: str,
        binding: HolderBinding,
        mode: Mode,
        *,
        actor: str,
        order_id: str,
        legal_basis: str = HOLDER_REQUEST_BASIS,
    ) -> OrderOutcome:
        """The holder's JPKI certificate was renewed and enrolled again (``binding``). Card
        mode: each live instance bound to the card is reissued to the new key, the old one
        superseded. Wallet mode: the wallet key is unchanged; the event is recorded."""
        if mode not in ("card", "wallet"):
            raise BoardError("board.event_invalid", f"unknown holder mode {mode!r}")
        if mode == "card" and binding.x5t_s256 is None:
            raise BoardError("board.event_invalid", "a card binding names its certificate")
        key = _thumbprint(binding)
        order = self._order(
            "renew_binding", subject_id, legal_basis, actor, order_id, mode=mode, holder=key
        )
        stored = self._known(subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        self._standing(stored, (_ISSUABLE,), "a renewed binding")
        work = _Work()
        if mode == "card":
            bound = [i for i in self._live(subject_id, order) if i.holder_mode == "card"]
            self._supersede(order, stored, bound, lambda _old: binding, work)
        return self._finish(order, stored, work, None, {"mode": mode, "holderKey": key})

    def replace_instance(
        self,
        credential_id: str,
        *,
        actor: str,
        order_id: str,
        binding: HolderBinding | None = None,
        legal_basis: str = HOLDER_REQUEST_BASIS,
    ) -> OrderOutcome:
        """A new device, a lost one, a re-download: a new instance of ``credential_id`` (same
        form, bound to ``binding`` or to the old key), the old one superseded."""
        old = self.board.store.credential(credential_id)
        if old is None:
            raise BoardError("board.record_unknown", f"no issued credential {credential_id}")
        holder = None if binding is None else _thumbprint(binding)
        order = self._order(
            "replace",
            old.subject_id,
            legal_basis,
            actor,
            order_id,
            credential=credential_id,
            holder=holder,
        )
        stored = self._known(old.subject_id)
        if (done := self._done(order, stored)) is not None:
            return done
        issuable(stored)
        issued_here = {i.credential_id for i in self._issued_by(order)}
        live = {i.credential_id for i in self._live(old.subject_id, order)}
        if credential_id not in live and not issued_here:
            raise BoardError("board.event_invalid", f"{credential_id} is no longer valid")
        work = _Work()
        self._supersede(
            order, stored, [old], lambda o: binding if binding is not None else binding_of(o), work
        )
        return self._finish(order, stored, work, None, {"replaced": credential_id})

    # -- the steps ---------------------------------------------------------------------------------

    def _order(
        self,
        kind: str,
        subject_id: str,
        legal_basis: str,
        actor: str,
        order_id: str,
        **contents: Any,
    ) -> _Order:
        """The order's checked identity and cause, and the fingerprint of what it says."""
        if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
            raise BoardError(
                "board.event_invalid",
                "an order id has 1 to 128 letters, digits and . _ : / - (the board's reference)",
            )
        for name, value, limit in (
            ("legal basis", legal_basis, _MAX_BASIS),
            ("actor", actor, rules.MAX_ACTOR_LENGTH),
        ):
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                raise BoardError("board.event_invalid", f"an order needs its {name}")
        if not isinstance(subject_id, str) or not subject_id.strip():
            raise BoardError("board.record_unknown", "an order names a register subject")
        said = json.dumps(
            {"kind": kind, "subject": subject_id, "basis": legal_basis, **contents},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        fingerprint = hashlib.sha256(said.encode()).hexdigest()[:32]
        return _Order(kind, order_id, subject_id, legal_basis, actor, fingerprint)

    def _known(self, subject_id: str) -> StoredRecord:
        stored = self.board.store.record(subject_id)
        if stored is None:
            raise BoardError("board.record_unknown", f"no register record {subject_id}")
        return stored

    @staticmethod
    def _standing(stored: StoredRecord, allowed: tuple[str, ...], what: str) -> None:
        if stored.standing not in allowed:
            raise BoardError(
                "board.event_invalid",
                f"{what} contradicts the register: {stored.subject_id} is {stored.standing}",
            )

    def _event_of(self, subject_id: str, order_id: str) -> BoardEvent | None:
        """The lifecycle event that carried out ``order_id`` for ``subject_id``, if any."""
        for event in self.board.store.iter_events(subject_id=subject_id):
            if event.action.startswith("lifecycle.") and event.details.get("orderId") == order_id:
                return event
        return None

    def _done(self, order: _Order, stored: StoredRecord) -> OrderOutcome | None:
        """The outcome of ``order`` if it was carried out before (``repeated``)."""
        event = self._event_of(order.subject_id, order.order_id)
        if event is None:
            return None
        if event.action != order.action or event.details.get("order") != order.fingerprint:
            raise BoardError(
                "board.event_invalid",
                f"order {order.order_id} was given before with other contents",
            )
        store = self.board.store
        issued = tuple(
            found
            for credential_id in event.details.get("issued", ())
            if (found := store.credential(credential_id)) is not None
        )
        schedule = None
        if "scheduleId" in event.details:
            wanted = int(event.details["scheduleId"])
            schedules = self.board.registry.schedules(subject_id=order.subject_id)
            schedule = next((s for s in schedules if s.id == wanted), None)
        return OrderOutcome(
            order.order_id,
            order.action,
            order.subject_id,
            stored.standing,
            event,
            issued=issued,
            superseded=tuple(event.details.get("superseded", ())),
            schedule=schedule,
            repeated=True,
        )

    def _finish(
        self,
        order: _Order,
        stored: StoredRecord,
        work: _Work,
        code: int | None,
        details: Mapping[str, Any],
        *,
        standing: str | None = None,
        schedule: Schedule | None = None,
    ) -> OrderOutcome:
        """Republish what changed, then log the order's event (with the standing it sets)."""
        known = {i.credential_id for i in work.issued}
        work.issued += [i for i in self._issued_by(order) if i.credential_id not in known]
        self._publish(order.subject_id, work)
        event = BoardEvent(
            order.action,
            order.actor,
            subject_id=order.subject_id,
            legal_basis=order.legal_basis,
            reason_code=None if code is None else int(code),
            details={
                "orderId": order.order_id,
                "order": order.fingerprint,
                **details,
                **({"issued": [i.credential_id for i in work.issued]} if work.issued else {}),
                **({"superseded": work.superseded} if work.superseded else {}),
            },
        )
        store = self.board.store
        if standing is not None and standing != stored.standing:
            final = store.set_standing(order.subject_id, standing, event).standing
        else:
            store.log(event)
            final = stored.standing
        logged = self._event_of(order.subject_id, order.order_id) or event
        return OrderOutcome(
            order.order_id,
            order.action,
            order.subject_id,
            final,
            logged,
            changes=tuple(work.changes),
            issued=tuple(work.issued),
            superseded=tuple(work.superseded),
            schedule=schedule,
        )

    def _publish(self, subject_id: str, work: _Work) -> list[Publication]:
        """Republish the lists that changed and the subject's suspension lists (whose
        dispositions name the subject's schedules)."""
        urls = set(work.urls) | {c.list_url for c in work.changes}
        registry = self.board.registry
        for instance in self.board.store.credentials_of(subject_id):
            try:
                entries = registry.entries(instance.credential_id)
            except StatusError:
                continue  # Issued without status (a registry-less issuer): nothing to publish.
            urls |= {e.status_list_credential for e in entries if e.status_purpose == "suspension"}
        publisher = self.board.publisher
        return [p for url in sorted(urls) for p in publisher.publish(url)]

    # suspension schedules

    def _find_schedule(self, order: _Order) -> Schedule | None:
        """The schedule an interrupted run of ``order`` made already."""
        schedules = self.board.registry.schedules(subject_id=order.subject_id)
        return next((s for s in schedules if s.reason.endswith(order.tag)), None)

    def _open_schedules(self, subject_id: str) -> list[Schedule]:
        now = self.board.registry.now()
        schedules = self.board.registry.schedules(subject_id=subject_id)
        return [s for s in schedules if s.ends_at is None or s.ends_at > now]

    def _schedule(
        self,
        order: _Order,
        start: datetime,
        end: datetime | None,
        code: ReasonCode,
        work: _Work,
    ) -> Schedule:
        """The registry's suspension of the subject; for a subject with no live instance yet
        the schedule alone, so that the instances issued while it lasts start suspended."""
        registry = self.board.registry
        reason = order.reason(_LABEL_OF_CODE[code])
        try:
            schedule, found = registry.suspend(
                subject_id=order.subject_id,
                starts_at=start,
                ends_at=end,
                code=code,
                reason=reason,
                legal_basis=order.legal_basis,
                actor=order.actor,
            )
        except StatusError as exc:
            if exc.code not in ("status.credential_unknown", "status.revocation_irreversible"):
                raise BoardError("board.event_invalid", exc.message, cause=exc.code) from exc
        else:
            work.changes.extend(found)
            return schedule

        def ahead(session: Session) -> Schedule:
            now = registry.now()
            row = ScheduleRow(
                credential_id=None,
                subject_id=order.subject_id,
                code=int(code),
                starts_at=start,
                ends_at=end,
                started=start <= now,
                ended=False,
                reason=reason,
                legal_basis=order.legal_basis,
                actor=order.actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            session.add(
                _schedule_line(order, "schedule", row.id, value=int(code), reason=reason, now=now)
            )
            return schedule_of(row)

        return registry.transact(ahead)

    def _ended_by(self, order: _Order) -> list[int]:
        """The schedules ``order`` ended already (its ``unschedule`` audit lines)."""
        return [
            line.schedule_id
            for line in self.board.registry.audit_log(subject_id=order.subject_id)
            if line.action == "unschedule"
            and line.schedule_id is not None
            and (line.reason or "").endswith(order.tag)
        ]

    def _end_schedules(self, order: _Order, schedule_ids: Sequence[int], work: _Work) -> None:
        """End the named schedules now (cancel those not begun; an ``unschedule`` audit line
        each) and set the subject's credentials to what their remaining schedules say."""
        if not schedule_ids:
            return
        registry = self.board.registry
        cause = rules.cause_of(
            "reinstate",
            reason=order.reason(LABELS[order.action][0]),
            legal_basis=order.legal_basis,
            actor=order.actor,
        )

        def end(session: Session) -> tuple[StatusChange, ...]:
            now = registry.now()
            rows = session.scalars(
                select(ScheduleRow)
                .where(ScheduleRow.id.in_(list(schedule_ids)))
                .order_by(ScheduleRow.id)
                .with_for_update()
            ).all()
            for row in rows:
                row.ends_at = rules.cancelled_end(row.starts_at, now)
                row.started = row.ended = True
                session.add(
                    _schedule_line(
                        order, "unschedule", row.id, value=0, reason=cause.reason, now=now
                    )
                )
            session.flush()
            credentials = list(
                session.scalars(
                    select(EntryRow.credential_id)
                    .where(EntryRow.subject_id == order.subject_id)
                    .distinct()
                )
            )
            return status_changes.reconcile(session, credentials, now, cause)

        work.changes.extend(registry.transact(end))

    # revocation

    def _revoke_subject(self, order: _Order, code: ReasonCode, work: _Work) -> None:
        # Nothing issued yet: the standing alone keeps the subject from being issued.
        work.changes.extend(self._revoke(order, code, subject_id=order.subject_id))

    def _revoke_instances(
        self, order: _Order, credential_ids: Iterable[str], code: ReasonCode, work: _Work
    ) -> None:
        for credential_id in credential_ids:
            work.changes.extend(self._revoke(order, code, credential_id=credential_id))
            work.superseded.append(credential_id)

    def _revoke(
        self,
        order: _Order,
        code: ReasonCode,
        *,
        credential_id: str | None = None,
        subject_id: str | None = None,
    ) -> tuple[StatusChange, ...]:
        """The registry's revocation; none for a subject or credential without status."""
        try:
            return self.board.registry.revoke(
                credential_id=credential_id,
                subject_id=subject_id,
                code=code,
                reason=order.reason(_LABEL_OF_CODE[code]),
                legal_basis=order.legal_basis,
                actor=order.actor,
            )
        except StatusError as exc:
            if exc.code != "status.credential_unknown":
                raise
            return ()

    # issuance

    def _issued_by(self, order: _Order) -> list[IssuedInstance]:
        prefix = issuance_key(order.order_id, "")
        return [
            i
            for i in self.board.store.credentials_of(order.subject_id)
            if i.issuance_key.startswith(prefix)
        ]

    def _live(self, subject_id: str, order: _Order) -> list[IssuedInstance]:
        """The subject's instances not revoked, other than those ``order`` issued."""
        mine = issuance_key(order.order_id, "")
        return [
            instance
            for instance in self.board.store.credentials_of(subject_id)
            if not instance.issuance_key.startswith(mine) and not self._revoked(instance)
        ]

    def _revoked(self, instance: IssuedInstance) -> bool:
        try:
            return bool(self.board.registry.status(instance.credential_id).get("revocation", 0))
        except StatusError:
            return False  # Issued without status: nothing to read, treated as live.

    def _issue(
        self,
        order: _Order,
        stored: StoredRecord,
        *,
        key: str,
        form: str,
        binding: HolderBinding | None,
        holder_id: str | None,
        holder_mode: str | None,
    ) -> IssuedInstance:
        """Issue ``stored``'s credential in ``form`` under ``key`` (found if issued before:
        its id is derived from the key, so even its status entries are not allocated twice)."""
        store = self.board.store
        existing = store.credential_by_key(key)
        if existing is not None:
            return existing
        now = self.board.clock()
        credential_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'shikaku:' + key)}"
        credential = build_credential(
            stored.record,
            issuer=self.board.profile,
            issued_at=now,
            holder_id=holder_id,
            credential_id=credential_id,
        )
        issued = self.board.issuer.issue(
            credential, form=form, holder=binding, subject_id=stored.subject_id
        )
        body = (
            issued.secured
            if isinstance(issued.secured, str)
            else json.dumps(issued.secured, ensure_ascii=False)
        )
        holder_key = (
            None
            if binding is None
            else json.dumps(dict(binding.jwk), sort_keys=True, separators=(",", ":"))
        )
        instance = IssuedInstance(
            credential_id=issued.credential_id,
            issuance_key=key,
            subject_id=stored.subject_id,
            record_version=stored.version,
            form=form,
            body=body,
            issued_at=now,
            holder_mode=holder_mode,
            holder_key=holder_key,
        )
        return store.add_credential(instance, actor=order.actor)

    def _supersede(
        self,
        order: _Order,
        stored: StoredRecord,
        olds: Sequence[IssuedInstance],
        binding: Callable[[IssuedInstance], HolderBinding | None],
        work: _Work,
    ) -> None:
        """Issue one replacement per form and holder binding the old instances had, then
        revoke the old ones (superseded): the holder is never left without a valid credential.
        Each replacement's issuance key names its order, form and holder key, so a retry finds
        it whichever old instances are still to be revoked."""
        groups: dict[str, IssuedInstance] = {}
        for old in olds:
            bound = binding(old)
            holder = _holder_id(old)
            if bound is not None:
                who = jwk_thumbprint(dict(bound.jwk))
            elif holder is not None:
                who = hashlib.sha256(holder.encode()).hexdigest()[:43]
            else:
                who = "unbound"
            groups.setdefault(f"{old.form}:{who}", old)
        for name, old in groups.items():
            work.issued.append(
                self._issue(
                    order,
                    stored,
                    key=issuance_key(order.order_id, name),
                    form=old.form,
                    binding=binding(old),
                    holder_id=_holder_id(old),
                    holder_mode=old.holder_mode,
                )
            )
        self._revoke_instances(order, [o.credential_id for o in olds], ReasonCode.SUPERSEDED, work)

    def _reissue_changed(
        self, order: _Order, current: StoredRecord, *, previous_version: int
    ) -> OrderOutcome:
        """Reissue the live instances built from a version before ``current``'s."""
        olds = [
            i for i in self._live(order.subject_id, order) if i.record_version < current.version
        ]
        if not olds and current.version == previous_version and not self._issued_by(order):
            raise BoardError("board.event_invalid", "the order changes nothing")
        work = _Work()
        if current.standing == _ISSUABLE:
            self._supersede(order, current, olds, binding_of, work)
        details = {"version": current.version, "previousVersion": previous_version}
        return self._finish(order, current, work, None, details)

    def _reissue_revoked(
        self,
        order: _Order,
        stored: StoredRecord,
        binding: HolderBinding | None,
        forms: Sequence[str],
        work: _Work,
    ) -> None:
        """New credentials (new indexes) for a licence back in force: one per form in
        ``forms``, or per form the holder had, bound as the last instance of that form was."""
        last: dict[str, IssuedInstance] = {}
        for instance in self.board.store.credentials_of(stored.subject_id):
            if not instance.issuance_key.startswith(issuance_key(order.order_id, "")):
                last[instance.form] = instance
        for form in forms or tuple(last):
            old = last.get(form)
            work.issued.append(
                self._issue(
                    order,
                    stored,
                    key=issuance_key(order.order_id, form),
                    form=form,
                    binding=binding if binding is not None or old is None else binding_of(old),
                    holder_id=None if old is None else _holder_id(old),
                    holder_mode=None if old is None else old.holder_mode,
                )
            )


def _thumbprint(binding: HolderBinding) -> str:
    """The RFC 7638 thumbprint of a holder's public key; a private or unusable JWK is
    ``board.event_invalid``."""
    if "d" in binding.jwk:
        raise BoardError("board.event_invalid", "a holder key is given as a public JWK")
    try:
        return jwk_thumbprint(dict(binding.jwk))
    except (ShikakuError, KeyError, ValueError) as exc:
        raise BoardError("board.event_invalid", "the holder key is not a usable JWK") from exc


def _code(code: int, allowed: frozenset[ReasonCode], what: str) -> ReasonCode:
    try:
        reason = ReasonCode(code)
    except ValueError:
        reason = None
    if reason is None or reason not in allowed:
        names = ", ".join(str(int(c)) for c in sorted(allowed))
        raise BoardError("board.event_invalid", f"{what} carries reason code {names}, not {code}")
    return reason


def _schedule_line(
    order: _Order, action: str, schedule_id: int, *, value: int, reason: str | None, now: datetime
) -> AuditRow:
    """The registry audit line of a schedule an order made or ended."""
    return AuditRow(
        at=now,
        actor=order.actor,
        action=action,
        subject_id=order.subject_id,
        purpose="suspension",
        new_value=value,
        reason=reason,
        legal_basis=order.legal_basis,
        schedule_id=schedule_id,
    )


def _day(moment: datetime) -> str:
    return moment.astimezone(JST).date().isoformat()


# -- the scheduler -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickOutcome:
    """One scheduler round: what the registry's tick did and what was republished."""

    report: TickReport
    published: tuple[Publication, ...]


class LifecycleScheduler:
    """Applies scheduled suspensions on their first day and lifts them on their last.

    Every ``interval`` seconds a background thread runs the registry's :meth:`tick` (which
    applies due schedules and is idempotent: each due schedule is marked under a row lock, and
    credentials are set to what all their schedules say at that moment) and republishes every
    stale list (:meth:`~issuer.status.publish.StatusPublisher.publish_due`). Several processes
    may each run one on the same database: they converge on the same bits. The HTTP app starts
    it in its lifespan (``with LifecycleScheduler(board):``), every ``lifecycle_tick_seconds``
    of the board's settings unless ``interval`` is given. A failed round is logged (its error
    code only) and the next one tries again.
    """

    def __init__(
        self, board: Board, interval: float | None = None, *, actor: str = "scheduler"
    ) -> None:
        if interval is None:
            interval = board.settings.lifecycle_tick_seconds
        if interval <= 0:
            raise BoardError("board.event_invalid", "the scheduler's interval must be positive")
        self.board = board
        self.interval = interval
        self.actor = actor
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.failures = 0

    def run_once(self) -> TickOutcome:
        """One round, now: tick, then republish what is stale."""
        report = self.board.registry.tick(actor=self.actor)
        published = self.board.publisher.publish_due()
        self.rounds += 1
        return TickOutcome(report, tuple(published))

    def start(self) -> LifecycleScheduler:
        if self._thread is not None:
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="shikaku-lifecycle-scheduler", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> LifecycleScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except ShikakuError as exc:
                self.failures += 1
                logger.warning("lifecycle scheduler round failed: %s", exc.code)
            except Exception as exc:  # A round must never end the thread.
                self.failures += 1
                logger.warning("lifecycle scheduler round failed: %s", type(exc).__name__)
            self._stop.wait(self.interval)
