"""The board's own records: its register, the credentials it issued, and its event log.

Beside the status registry (:mod:`issuer.status`, its own tables and version table) the board
keeps three tables, created by the revisions in :mod:`issuer.store.migrations`:

- ``register_records``: one row per holder per register (``subject_id`` =
  ``{qualification_id}:{license_number}``), the record as canonical JSON with its SHA-256
  ``digest`` (importing the same row twice changes nothing) and a ``version`` that grows when
  the register changes the record; ``standing`` is where the lifecycle left it.
- ``issued_credentials``: every credential instance the board secured, with the record version
  it was built from, its form, how it is bound to the holder, and the body the holder
  receives. ``issuance_key`` is unique: the deterministic name of the request that made it
  (bulk issuance of a record version in a form, an OpenID4VCI grant, a reissue), so a rerun
  after a crash finds the instance instead of making a second one.
- ``board_events``: the append-only log of what the board did and why (import, issuance,
  lifecycle orders): who, when, legal basis and reason code. Database triggers refuse UPDATE
  and DELETE.

Nothing here holds a My Number, an address, a JPKI certificate or its serial.
"""

from __future__ import annotations

from issuer.store.db import ISSUER_MIGRATIONS, default_url, migrate
from issuer.store.enrolments import EnrolmentRow
from issuer.store.models import CredentialRow, EventRow, RecordRow
from issuer.store.store import BoardEvent, BoardStore, IssuedInstance, StoredRecord, subject_of

__all__ = [
    "ISSUER_MIGRATIONS",
    "BoardEvent",
    "BoardStore",
    "CredentialRow",
    "EnrolmentRow",
    "EventRow",
    "IssuedInstance",
    "RecordRow",
    "StoredRecord",
    "default_url",
    "migrate",
    "subject_of",
]
