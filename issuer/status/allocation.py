"""Status index allocation in SQL: counters that only grow, turned into random indexes.

W3C Bitstring Status List v1.0 §6 (privacy: indexes are assigned at random, never in issuance
order). Each list row holds a counter ``allocated``; an allocator locks the issuer's open list
(``SELECT … WHERE allocated < size ORDER BY seq LIMIT 1 FOR UPDATE``), reads the counter and
moves it on by the number of indexes it needs (``UPDATE … SET allocated = :new WHERE id = :id
AND allocated = :old``). The index of counter value ``n`` is ``permute(perm_key, size, n)``, a
bijection (:mod:`issuer.status.permutation`), so distinct counter values give distinct indexes.
Why no value is ever taken twice, across processes and restarts, is told in
:mod:`issuer.status.registry`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from issuer.status.messages import MESSAGE_STATUS_SIZE, status_messages
from issuer.status.models import AuditRow, EntryRow, ListRow, ScheduleRow
from issuer.status.permutation import new_key, permute_many
from issuer.status.records import RegistryConfig
from service_kit.db import among, insert_rows
from vc_core.errors import StatusError
from vc_core.status import BitstringStatusListEntry, new_list

__all__ = [
    "Placed",
    "existing_entries",
    "insert_entries",
    "status_entry",
    "take_indexes",
    "under_schedule",
]

#: Where an entry sits: ``(list id, index, list URL)``.
Placed = tuple[int, int, str]


def status_entry(
    config: RegistryConfig, purpose: str, index: int, url: str
) -> BitstringStatusListEntry:
    """The ``credentialStatus`` entry of an index (a ``message`` entry lists its messages)."""
    if purpose == "message":
        return BitstringStatusListEntry(
            status_purpose="message",
            status_list_index=index,
            status_list_credential=url,
            status_size=MESSAGE_STATUS_SIZE,
            status_message=status_messages(),
            id=f"{url}#{index}",
            status_reference=config.status_reference,
        )
    return BitstringStatusListEntry(
        status_purpose=purpose,
        status_list_index=index,
        status_list_credential=url,
        id=f"{url}#{index}",
    )


def existing_entries(session: Session, ids: Sequence[str]) -> dict[str, dict[str, Placed]]:
    """Where the entries of these credentials already sit, by credential and purpose."""
    have: dict[str, dict[str, Placed]] = {credential: {} for credential in ids}
    for chunk in _chunks(ids):
        for credential, purpose, list_id, idx, url in session.execute(
            select(
                EntryRow.credential_id,
                EntryRow.purpose,
                EntryRow.list_id,
                EntryRow.idx,
                ListRow.url,
            )
            .join(ListRow, ListRow.id == EntryRow.list_id)
            .where(among(session, EntryRow.credential_id, chunk))
        ):
            have[credential][purpose] = (list_id, idx, url)
    return have


def insert_entries(
    session: Session, entries: Sequence[Mapping[str, object]], now: datetime, actor: str
) -> None:
    """Insert new entries with their audit lines: a COPY each on PostgreSQL, a multi-row
    INSERT each elsewhere (:func:`service_kit.db.insert_rows`).

    No ORM flush and no RETURNING while the lists are locked.
    """
    insert_rows(session, EntryRow, [{**e, "created_at": now} for e in entries])
    insert_rows(
        session,
        AuditRow,
        [{**e, "at": now, "actor": actor, "action": "allocate", "new_value": 0} for e in entries],
    )


def under_schedule(
    session: Session, credentials: set[str], subjects: Mapping[str, str | None]
) -> list[str]:
    """The new credentials whose subject has a suspension that is not over."""
    named = sorted({s for c, s in subjects.items() if c in credentials and s is not None})
    if not named:
        return []
    scheduled = set(
        session.scalars(
            select(ScheduleRow.subject_id)
            .where(among(session, ScheduleRow.subject_id, named), ScheduleRow.ended.is_(False))
            .distinct()
        )
    )
    return sorted(c for c in credentials if subjects[c] in scheduled)


def take_indexes(
    session: Session,
    config: RegistryConfig,
    *,
    issuer: str,
    purpose: str,
    count: int,
    now: datetime,
) -> list[Placed]:
    """Advance the counters of the issuer's open lists for ``purpose`` by ``count`` in all.

    The open list's row is locked (``FOR UPDATE``) before its counter is read, so the counter
    values taken here are taken by no one else; the permutation turns each into an index.
    """
    taken: list[Placed] = []
    for _attempt in range(64):
        if len(taken) == count:
            return taken
        row = session.execute(
            select(ListRow.id, ListRow.allocated, ListRow.size, ListRow.perm_key, ListRow.url)
            .where(
                ListRow.issuer == issuer,
                ListRow.purpose == purpose,
                ListRow.allocated < ListRow.size,
            )
            .order_by(ListRow.seq)
            .limit(1)
            .with_for_update()
        ).one_or_none()
        if row is None:
            # No open list: open the next one (or find the one another process opened).
            _open_list(session, config, issuer, purpose, now)
            continue
        list_id, allocated, size, key, url = row
        step = min(count - len(taken), size - allocated)
        advanced = session.execute(
            update(ListRow)
            .where(ListRow.id == list_id, ListRow.allocated == allocated)
            .values(allocated=allocated + step, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if advanced.rowcount != 1:  # type: ignore[attr-defined]
            continue  # Cannot happen under the row lock; never take a value twice.
        indexes = permute_many(key, size, range(allocated, allocated + step))
        taken += [(list_id, index, url) for index in indexes]
    raise StatusError("status.list_full", f"no {purpose} list of {issuer} has a free index")


def _open_list(
    session: Session, config: RegistryConfig, issuer: str, purpose: str, now: datetime
) -> None:
    """Open the issuer's next list for ``purpose``, unless an open one exists already."""
    still_open = session.scalar(
        select(ListRow.id)
        .where(
            ListRow.issuer == issuer,
            ListRow.purpose == purpose,
            ListRow.allocated < ListRow.size,
        )
        .limit(1)
    )
    if still_open is not None:
        return
    last = session.scalar(
        select(func.max(ListRow.seq)).where(ListRow.issuer == issuer, ListRow.purpose == purpose)
    )
    status_size = MESSAGE_STATUS_SIZE if purpose == "message" else 1
    session.add(
        ListRow(
            url=f"{config.base_url.rstrip('/')}/{secrets.token_urlsafe(12)}",
            issuer=issuer,
            purpose=purpose,
            seq=(last or 0) + 1,
            status_size=status_size,
            size=config.list_size,
            allocated=0,
            perm_key=new_key(),
            bitstring=new_list(config.list_size, status_size).to_bytes(),
            version=0,
            created_at=now,
            updated_at=now,
        )
    )
    # A concurrent process opening the same list makes this flush fail on
    # uq_status_lists_seq; the transaction is then retried and finds that list.
    session.flush()


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
