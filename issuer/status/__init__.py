"""The issuer's status registry and status-list publishing.

- :mod:`issuer.status.registry`: random, never-reused indexes; revoke, suspend (now or
  scheduled), reinstate, tick; the append-only audit log. SQLite or PostgreSQL.
- :mod:`issuer.status.publish`: the signed BitstringStatusListCredential and
  ``statuslist+jwt`` of each list, regenerated when a bit changes, with an ETag per version.
- :mod:`issuer.status.messages`: the reason codes of the ``message`` list.
"""

from __future__ import annotations

from issuer.status.db import default_url, migrate, open_engine
from issuer.status.messages import ReasonCode, status_messages
from issuer.status.records import (
    PURPOSES,
    AuditRecord,
    ListInfo,
    ListSnapshot,
    RegistryConfig,
    Schedule,
    StatusChange,
    TickReport,
)
from issuer.status.registry import StatusRegistry

__all__ = [
    "PURPOSES",
    "AuditRecord",
    "ListInfo",
    "ListSnapshot",
    "ReasonCode",
    "RegistryConfig",
    "Schedule",
    "StatusChange",
    "StatusRegistry",
    "TickReport",
    "default_url",
    "migrate",
    "open_engine",
    "status_messages",
]
