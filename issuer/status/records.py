"""The registry's records: configuration, entries' changes, schedules, audit lines, lists.

Plain frozen dataclasses, so callers never hold a database row (see
:mod:`issuer.status.registry` for what they mean and :mod:`issuer.status.models` for storage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from issuer.status.models import AuditRow, ListRow, ScheduleRow
from vc_core.errors import StatusError
from vc_core.status import MIN_ENTRIES, PackedStatusList

__all__ = [
    "PURPOSES",
    "AuditRecord",
    "ListInfo",
    "ListSnapshot",
    "RegistryConfig",
    "Schedule",
    "StatusChange",
    "TickReport",
    "audit_record",
    "list_info",
    "schedule_of",
]

#: Every purpose the registry knows, in the order transactions lock their lists.
PURPOSES = ("revocation", "suspension", "message")


@dataclass(frozen=True)
class RegistryConfig:
    """Where lists are published and how they are shaped.

    ``base_url`` is the HTTPS prefix of the issuer's status lists; a list is served at
    ``{base_url}/{random id}`` (plain ``http`` only on a loopback host, for local tests).
    ``purposes`` are those every credential gets by default; add ``"message"`` where policy
    enables the reason-code list for a qualification.
    """

    base_url: str
    list_size: int = MIN_ENTRIES
    purposes: tuple[str, ...] = ("revocation", "suspension")
    status_reference: str | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)
        ):
            raise StatusError(
                "status.url_not_allowed", f"status lists are served over https, not {self.base_url}"
            )
        unknown = [p for p in self.purposes if p not in PURPOSES]
        if unknown:
            raise StatusError("status.purpose_not_enabled", f"unknown purpose {unknown[0]!r}")
        if self.list_size < MIN_ENTRIES or self.list_size % 8:
            raise StatusError(
                "status.list_too_short",
                f"lists hold at least {MIN_ENTRIES} entries, in multiples of 8",
            )


@dataclass(frozen=True)
class StatusChange:
    """One entry that changed value."""

    credential_id: str
    purpose: str
    list_url: str
    index: int
    old_value: int
    new_value: int


@dataclass(frozen=True)
class Schedule:
    """A suspension of a credential or of a subject's every instance, from start to end."""

    id: int
    credential_id: str | None
    subject_id: str | None
    code: int
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    legal_basis: str
    actor: str


@dataclass(frozen=True)
class TickReport:
    """What one :meth:`StatusRegistry.tick` did."""

    schedules: tuple[int, ...]
    changes: tuple[StatusChange, ...]


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log: who did what, when, why and under which law."""

    id: int
    at: datetime
    actor: str
    action: str
    credential_id: str | None
    subject_id: str | None
    purpose: str | None
    list_id: int | None
    index: int | None
    old_value: int | None
    new_value: int | None
    reason: str | None
    legal_basis: str | None
    schedule_id: int | None


@dataclass(frozen=True)
class ListInfo:
    id: int
    url: str
    issuer: str
    purpose: str
    status_size: int
    size: int
    allocated: int
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class ListSnapshot:
    """A list's entries as of one version (W3C layout)."""

    info: ListInfo
    packed: PackedStatusList


def list_info(row: ListRow) -> ListInfo:
    return ListInfo(
        id=row.id,
        url=row.url,
        issuer=row.issuer,
        purpose=row.purpose,
        status_size=row.status_size,
        size=row.size,
        allocated=row.allocated,
        version=row.version,
        updated_at=row.updated_at,
    )


def schedule_of(row: ScheduleRow) -> Schedule:
    return Schedule(
        id=row.id,
        credential_id=row.credential_id,
        subject_id=row.subject_id,
        code=row.code,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        legal_basis=row.legal_basis,
        actor=row.actor,
    )


def audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        credential_id=row.credential_id,
        subject_id=row.subject_id,
        purpose=row.purpose,
        list_id=row.list_id,
        index=row.idx,
        old_value=row.old_value,
        new_value=row.new_value,
        reason=row.reason,
        legal_basis=row.legal_basis,
        schedule_id=row.schedule_id,
    )
