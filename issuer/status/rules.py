"""The status registry's lifecycle rules, as functions over plain data: no SQL, no clock.

What revoke, suspend, reinstate and tick do to a credential's entries and to suspension
schedules (DOMAIN.md, Lifecycle → status; W3C Bitstring Status List v1.0 §2.1), and what a
registry action must carry before it may run (issue 10). :mod:`issuer.status.registry` reads
the rows, asks these functions what should change, and writes it.

- A revocation sets the ``revocation`` entry to 1 and, where the credential has a ``message``
  entry, the reason code there; it is irreversible, and a credential already revoked is left
  alone.
- A suspension is a schedule: from its start until its end (the moment the credential is valid
  again; none: until reinstated). A credential's ``suspension`` entry is 1 while any of its
  schedules, or its subject's, is active; its ``message`` entry then carries the code of the
  earliest active schedule, and 0 once none is (unless it was revoked, whose code stays).
- Reinstating ends every current suspension now and cancels every future one; a credential
  whose every instance is revoked cannot be suspended or reinstated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from issuer.status.messages import ReasonCode
from issuer.status.records import PURPOSES, Schedule
from vc_core.errors import StatusError

__all__ = [
    "MAX_ACTOR_LENGTH",
    "MAX_ID_LENGTH",
    "PURPOSE_RANK",
    "Cause",
    "Entry",
    "Setting",
    "ValueOf",
    "active_schedule",
    "allocation_purposes",
    "by_credential",
    "cancelled_end",
    "cause_of",
    "changes_needed",
    "check_allocation",
    "check_target",
    "due_marks",
    "reconcile_settings",
    "refuse_if_all_revoked",
    "require_purpose",
    "revocation_settings",
    "suspension_start",
]

#: Each purpose's place in the one order transactions lock their lists in.
PURPOSE_RANK: Final[Mapping[str, int]] = {purpose: rank for rank, purpose in enumerate(PURPOSES)}
#: The longest credential, subject or issuer id the registry stores (its columns' size).
MAX_ID_LENGTH: Final = 1024
#: The longest actor the audit log stores.
MAX_ACTOR_LENGTH: Final = 256
# DID Core §3.1: "did:" method-name ":" method-specific-id; no path, query or fragment.
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_DID = re.compile(rf"did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+")


@dataclass(frozen=True)
class Cause:
    """Why a change happens; copied to every audit record it produces."""

    action: str
    actor: str
    reason: str | None
    legal_basis: str | None
    schedule_id: int | None = None


@dataclass(frozen=True)
class Entry:
    """One status entry of a credential: its list and index for one purpose."""

    credential_id: str
    subject_id: str | None
    purpose: str
    list_id: int
    index: int


#: An entry and the value it should hold.
Setting = tuple[Entry, int]
#: The current value of an entry, read from its list.
ValueOf = Callable[[Entry], int]


# -- what an action must carry (issue 10) --------------------------------------------------------


def cause_of(
    action: str, *, reason: str, legal_basis: str, actor: str, schedule_id: int | None = None
) -> Cause:
    """The cause of a revoke, suspend or reinstate; each needs a reason, a basis and an actor.

    These actions change what employers are told about a licence (a revocation for good), so
    the audit log must say who decided, why and under which law: blank is refused.
    """
    missing = [
        name
        for name, value in (("reason", reason), ("legal_basis", legal_basis), ("actor", actor))
        if not isinstance(value, str) or not value.strip()
    ]
    if missing:
        raise StatusError(
            "status.cause_invalid", f"{action} needs a non-empty {', '.join(missing)}"
        )
    if len(actor) > MAX_ACTOR_LENGTH:
        raise StatusError(
            "status.cause_invalid", f"the actor is longer than {MAX_ACTOR_LENGTH} characters"
        )
    return Cause(action, actor, reason, legal_basis, schedule_id)


def check_allocation(
    credentials: Iterable[tuple[str, str | None]], *, issuer: str, actor: str
) -> None:
    """Refuse an allocation for an empty id, a non-DID issuer or a blank actor."""
    if not isinstance(issuer, str) or len(issuer) > MAX_ID_LENGTH or not _DID.fullmatch(issuer):
        raise StatusError("status.issuer_invalid", "the issuer must be a DID (did:method:id)")
    if not isinstance(actor, str) or not actor.strip() or len(actor) > MAX_ACTOR_LENGTH:
        raise StatusError("status.cause_invalid", "an allocation needs an actor")
    for credential_id, subject_id in credentials:
        _check_id("credential", credential_id)
        if subject_id is not None:
            _check_id("subject", subject_id)


def _check_id(kind: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise StatusError(
            "status.id_invalid", f"a {kind} id has 1 to {MAX_ID_LENGTH} non-blank characters"
        )


def check_target(credential_id: str | None, subject_id: str | None) -> None:
    """An action names exactly one credential or one subject."""
    if (credential_id is None) == (subject_id is None):
        raise StatusError(
            "status.credential_unknown", "name exactly one of a credential or a subject"
        )


def allocation_purposes(purposes: Sequence[str]) -> tuple[str, ...]:
    """The purposes to allocate, known ones only, in locking order."""
    for purpose in purposes:
        if purpose not in PURPOSE_RANK:
            raise StatusError("status.purpose_not_enabled", f"unknown purpose {purpose!r}")
    return tuple(sorted(set(purposes), key=PURPOSE_RANK.__getitem__))


# -- grouping ------------------------------------------------------------------------------------


def by_credential(entries: Iterable[Entry]) -> dict[str, dict[str, Entry]]:
    """Entries by credential, then by purpose, in the order given."""
    grouped: dict[str, dict[str, Entry]] = {}
    for entry in entries:
        grouped.setdefault(entry.credential_id, {})[entry.purpose] = entry
    return grouped


def require_purpose(grouped: Mapping[str, Mapping[str, Entry]], purpose: str) -> None:
    """Every credential named has an entry for ``purpose``."""
    for credential_id, purposes in grouped.items():
        if purpose not in purposes:
            raise StatusError(
                "status.purpose_not_enabled", f"{credential_id} has no {purpose} entry"
            )


# -- revoke --------------------------------------------------------------------------------------


def revocation_settings(
    entries: Iterable[Entry], value_of: ValueOf, code: ReasonCode
) -> list[Setting]:
    """The entries a revocation sets: each unrevoked credential's revocation bit and message."""
    grouped = by_credential(entries)
    require_purpose(grouped, "revocation")
    settings: list[Setting] = []
    for purposes in grouped.values():
        revocation = purposes["revocation"]
        if value_of(revocation):
            continue
        settings.append((revocation, 1))
        if "message" in purposes:
            settings.append((purposes["message"], int(code)))
    return settings


def refuse_if_all_revoked(entries: Sequence[Entry], value_of: ValueOf) -> None:
    """A suspension or reinstatement of only revoked credentials is refused."""
    revocations = [e for e in entries if e.purpose == "revocation"]
    if not revocations:
        return
    revoked = [e for e in revocations if value_of(e)]
    if len(revoked) == len(revocations) == len(by_credential(entries)):
        raise StatusError("status.revocation_irreversible")


# -- suspend, reinstate, tick --------------------------------------------------------------------


def suspension_start(
    starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> datetime:
    """When a new suspension starts (now unless given); its end must follow start and now."""
    for moment in (starts_at, ends_at):
        if moment is not None and moment.tzinfo is None:
            raise StatusError("status.schedule_invalid", "schedule times need a time zone")
    start = starts_at or now
    if ends_at is not None and (ends_at <= start or ends_at <= now):
        raise StatusError("status.schedule_invalid", "the suspension ends before it starts")
    return start


def cancelled_end(starts_at: datetime, now: datetime) -> datetime:
    """The end a reinstatement gives a schedule: now, or its start if it has not begun (empty)."""
    return starts_at if starts_at > now else now


def due_marks(
    started: bool, ended: bool, starts_at: datetime, ends_at: datetime | None, now: datetime
) -> tuple[bool, bool]:
    """A schedule's ``(started, ended)`` marks once ``now`` has come."""
    return (
        started or starts_at <= now,
        ended or (ends_at is not None and ends_at <= now),
    )


def active_schedule(
    schedules: Iterable[Schedule], credential_id: str, subject_id: str | None, now: datetime
) -> Schedule | None:
    """The earliest schedule of the credential or its subject that is active at ``now``."""
    active = [
        w
        for w in schedules
        if (
            w.credential_id == credential_id
            or (w.subject_id is not None and w.subject_id == subject_id)
        )
        and w.starts_at <= now
        and (w.ends_at is None or w.ends_at > now)
    ]
    return min(active, key=lambda w: (w.starts_at, w.id), default=None)


def reconcile_settings(
    entries: Iterable[Entry], schedules: Sequence[Schedule], value_of: ValueOf, now: datetime
) -> list[Setting]:
    """The suspension and message values each credential's schedules call for at ``now``."""
    settings: list[Setting] = []
    for purposes in by_credential(entries).values():
        first = next(iter(purposes.values()))
        active = active_schedule(schedules, first.credential_id, first.subject_id, now)
        if "suspension" in purposes:
            settings.append((purposes["suspension"], 0 if active is None else 1))
        revocation = purposes.get("revocation")
        revoked = revocation is not None and value_of(revocation) != 0
        if "message" in purposes and not revoked:
            settings.append((purposes["message"], 0 if active is None else active.code))
    return settings


def changes_needed(settings: Iterable[Setting], value_of: ValueOf) -> list[tuple[Entry, int, int]]:
    """``(entry, old, new)`` for each setting that changes its entry's value."""
    needed = []
    for entry, value in settings:
        old = value_of(entry)
        if old != value:
            needed.append((entry, old, value))
    return needed
