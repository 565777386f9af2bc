"""The dispositions of a suspension list: why and until when each set entry is suspended.

A suspension bit (W3C Bitstring Status List v1.0 §2.1, ``statusPurpose: "suspension"``) says
only *that* a credential is suspended, and the ``message`` list (:mod:`issuer.status.messages`)
adds a reason code, but an employer checking a 看護師 must see what the government's own page
shows: 業務停止 from 2026-12-01 until 2027-03-01, under 保健師助産師看護師法第14条. So beside
each suspension list the publisher serves, at ``<list URL>.dispositions``, a signed document of
the dispositions behind its set entries.

The document is a compact JWS (RFC 7515 §7.1) signed by the key that signs the list, with the
header ``{"alg", "typ": "dispositions+jwt", "kid": <the list's verification method>}`` and the
payload::

    {"iss": <the list's issuer DID>, "sub": <the suspension list's URL>,
     "iat": <NumericDate>, "exp": <NumericDate, the list publication's validUntil>,
     "dispositions": [{"idx": 1234, "code": 1, "message": "suspended: 業務停止",
                       "legalBasis": "保健師助産師看護師法第14条",
                       "from": "2026-12-01", "until": "2027-03-01"}, ...]}

- One item per index whose bit is set in the list version the document was rendered from, in
  index order, and none for any other index: the bit already tells anyone who fetches the list
  that the entry is suspended. The whole list's document is fetched, never one index's, so the
  issuer still cannot tell which credential a verifier checks (the herd privacy of §6.1).
- ``code`` and ``message`` are the :class:`~issuer.status.messages.ReasonCode` of the order and
  its text; ``legalBasis`` the article it was ordered under. These are what MHLW announces
  publicly with each 行政処分; the registry's free-text ``reason`` and its ``actor`` are internal
  and never published.
- ``from`` is the Japan Standard Time day the suspension began; ``until`` the JST day it ends,
  the first day the holder may practise again (DOMAIN.md: the bit is cleared on the end date),
  or ``null`` while it lasts until reinstated. Where several orders overlap, ``code``,
  ``legalBasis`` and ``from`` are those of the earliest (the one the message list shows) and
  ``until`` is the end of the last, when the bit is cleared.
- A set index with no current schedule behind it (which the registry never leaves) is left
  out, so a verifier reports its disposition as unavailable rather than guessing.

The document carries its list's version, so :class:`~issuer.status.publish.StatusPublisher`
renders it together with the list whenever that is republished. An order that changes no bit
(a second order for a holder already suspended) is picked up by the next ``publish`` of the
list, which the caller makes after such a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.status.messages import status_messages
from issuer.status.models import EntryRow, ListRow, ScheduleRow
from issuer.status.records import ListInfo, list_info
from issuer.status.registry import StatusRegistry
from vc_core.errors import StatusError
from vc_core.jose.jws import sign_jws
from vc_core.keys import Signer
from vc_core.status import PackedStatusList
from vc_schemas.builder import JST

__all__ = [
    "DISPOSITIONS_FORMAT",
    "DISPOSITIONS_MEDIA_TYPE",
    "DISPOSITIONS_PATH",
    "DISPOSITIONS_TYP",
    "Disposition",
    "DispositionsSnapshot",
    "read_dispositions",
    "sign_dispositions",
]

#: The publication format, HTTP media type, JWS ``typ`` and URL suffix of the document.
DISPOSITIONS_FORMAT: Final = "dispositions"
DISPOSITIONS_MEDIA_TYPE: Final = "application/dispositions+jwt"
DISPOSITIONS_TYP: Final = "dispositions+jwt"
DISPOSITIONS_PATH: Final = ".dispositions"

_CHUNK = 500


@dataclass(frozen=True)
class Disposition:
    """The public facts of the order behind one set suspension entry."""

    idx: int
    code: int
    legal_basis: str
    starts_at: datetime
    ends_at: datetime | None

    def to_json(self, messages: Sequence[str]) -> dict[str, Any]:
        """The document's item; ``messages`` are the reason codes' texts, by code."""
        return {
            "idx": self.idx,
            "code": self.code,
            "message": messages[self.code],
            "legalBasis": self.legal_basis,
            "from": _jst_day(self.starts_at),
            "until": _jst_day(self.ends_at) if self.ends_at is not None else None,
        }


@dataclass(frozen=True)
class DispositionsSnapshot:
    """A suspension list's dispositions as of one list version."""

    info: ListInfo
    dispositions: tuple[Disposition, ...]


def _jst_day(moment: datetime) -> str:
    return moment.astimezone(JST).date().isoformat()


def read_dispositions(registry: StatusRegistry, url: str) -> DispositionsSnapshot | None:
    """The dispositions of the list at ``url``, read in one transaction with its bits;
    None when it is not a suspension list (only those have dispositions)."""

    def work(session: Session) -> DispositionsSnapshot | None:
        row = session.scalar(select(ListRow).where(ListRow.url == url))
        if row is None:
            raise StatusError("status.list_unreachable", f"no status list at {url}")
        if row.purpose != "suspension":
            return None
        packed = PackedStatusList(row.size, row.status_size, data=row.bitstring)
        entries = _entries(session, row.id, sorted(packed.non_zero()))
        schedules = _current_schedules(session, entries)
        found = []
        for idx, (credential_id, subject_id) in sorted(entries.items()):
            behind = [
                s
                for s in schedules
                if s.credential_id == credential_id
                or (s.subject_id is not None and s.subject_id == subject_id)
            ]
            if behind:
                found.append(_disposition(idx, behind))
        return DispositionsSnapshot(list_info(row), tuple(found))

    return registry.transact(work)


def _entries(
    session: Session, list_id: int, indexes: Sequence[int]
) -> dict[int, tuple[str, str | None]]:
    """``{index: (credential, subject)}`` for the given indexes of a list."""
    found: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(indexes), _CHUNK):
        for idx, credential_id, subject_id in session.execute(
            select(EntryRow.idx, EntryRow.credential_id, EntryRow.subject_id).where(
                EntryRow.list_id == list_id, EntryRow.idx.in_(indexes[start : start + _CHUNK])
            )
        ):
            found[idx] = (credential_id, subject_id)
    return found


def _current_schedules(
    session: Session, entries: dict[int, tuple[str, str | None]]
) -> list[ScheduleRow]:
    """The schedules that have started and not ended (the state the bits were set from)."""
    credentials = sorted({credential for credential, _subject in entries.values()})
    subjects = sorted({s for _credential, s in entries.values() if s is not None})
    found: dict[int, ScheduleRow] = {}
    for column, values in (
        (ScheduleRow.credential_id, credentials),
        (ScheduleRow.subject_id, subjects),
    ):
        for start in range(0, len(values), _CHUNK):
            for schedule in session.scalars(
                select(ScheduleRow).where(
                    column.in_(values[start : start + _CHUNK]),
                    ScheduleRow.started.is_(True),
                    ScheduleRow.ended.is_(False),
                )
            ):
                found[schedule.id] = schedule
    return list(found.values())


def _disposition(idx: int, schedules: Iterable[ScheduleRow]) -> Disposition:
    """The earliest order's code, basis and start; the end of the last (None if open)."""
    ordered = sorted(schedules, key=lambda s: (s.starts_at, s.id))
    first = ordered[0]
    ends = [s.ends_at for s in ordered if s.ends_at is not None]
    return Disposition(
        idx=idx,
        code=first.code,
        legal_basis=first.legal_basis,
        starts_at=first.starts_at,
        ends_at=max(ends) if len(ends) == len(ordered) else None,
    )


def sign_dispositions(
    snapshot: DispositionsSnapshot,
    *,
    signer: Signer,
    kid: str,
    issued_at: datetime,
    expires_at: datetime,
) -> bytes:
    """The compact JWS of ``snapshot`` (see the module), as the bytes served."""
    messages = [item.message for item in status_messages()]
    payload = {
        "iss": snapshot.info.issuer,
        "sub": snapshot.info.url,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "dispositions": [d.to_json(messages) for d in snapshot.dispositions],
    }
    header = {"typ": DISPOSITIONS_TYP, "kid": kid}
    return sign_jws(header, payload, signer).encode("ascii")
