"""The issuer's status registry and status-list publishing.

- :mod:`issuer.status.registry`: random, never-reused indexes; revoke, suspend (now or
  scheduled), reinstate, tick; the append-only audit log. SQLite or PostgreSQL. Its pure
  lifecycle rules are :mod:`issuer.status.rules`; the SQL is :mod:`issuer.status.allocation`
  and :mod:`issuer.status.changes`.
- :mod:`issuer.status.publish`: the signed BitstringStatusListCredential and
  ``statuslist+jwt`` of each list, regenerated when a bit changes, with an ETag per version.
- :mod:`issuer.status.messages`: the reason codes of the ``message`` list.
"""

from __future__ import annotations

from issuer.status.db import STATUS_MIGRATIONS, default_url, migrate
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
    "STATUS_MIGRATIONS",
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
    "status_messages",
]
