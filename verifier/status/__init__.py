"""Status checking for verifiers: fetch (allowlist, size limit, timeout), cache, verify, check.

:class:`StatusChecker` turns a credential's status entries into named checks
(``status.revocation``, ``status.suspension``, ``status.message``; ``status.token`` for IETF
Referenced Tokens) for a :class:`vc_core.verdict.Verdict`.
"""

from __future__ import annotations

from verifier.status.cache import StatusListCache, VerifiedList
from verifier.status.check import StatusChecker
from verifier.status.fetch import Fetched, FetchPolicy, StatusListFetcher

__all__ = [
    "FetchPolicy",
    "Fetched",
    "StatusChecker",
    "StatusListCache",
    "StatusListFetcher",
    "VerifiedList",
]
