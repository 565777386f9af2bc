"""Verified status lists, cached for as long as the list and HTTP both allow.

W3C Bitstring Status List v1.0 §2.2 (``ttl``): "A verifier MUST NOT use a cached
BitstringStatusListCredential that was cached for more than the ttl duration prior to the
start of verification"; ``ttl`` defaults to 300,000 ms. draft-ietf-oauth-status-list §5.1
(``ttl``, ``exp``) and §13.7 (caching). So an entry is fresh until the earliest of:

- the fetch time plus ``ttl``;
- the list's ``validUntil`` (W3C) or ``exp`` (IETF);
- the fetch time plus the HTTP lifetime (``Cache-Control: max-age``, else ``Expires``;
  ``no-cache`` and ``no-store`` make it 0).

A stale entry keeps its ETag so the next fetch can be a conditional GET; a 304 answer makes it
fresh again without downloading or verifying the list a second time. Only lists whose proof
verified are cached, and a lookup is a dictionary read and a bit read: microseconds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from vc_core.did import VerificationMethod
from vc_core.errors import StatusError
from vc_core.status import PackedStatusList
from vc_core.status.bits import BitOrder
from vc_core.status.bitstring import VALID_FROM_LEEWAY
from verifier.status.fetch import Fetched, cache_lifetime

__all__ = ["StatusListCache", "VerifiedList", "fresh_until"]

ListFormat = Literal["w3c", "jwt"]


def fresh_until(fetched: Fetched, ttl: timedelta, expiry: datetime | None) -> datetime:
    """The moment a list fetched as ``fetched`` must no longer be used from cache."""
    limits = [fetched.fetched_at + ttl]
    lifetime = cache_lifetime(fetched)
    if lifetime is not None:
        limits.append(fetched.fetched_at + timedelta(seconds=lifetime))
    if expiry is not None:
        limits.append(expiry)
    return min(limits)


@dataclass
class VerifiedList:
    """A status list whose proof verified: who issued it, its entries, and its freshness."""

    url: str
    format: ListFormat
    issuer: str
    purposes: frozenset[str]
    data: bytes
    order: BitOrder
    bits: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    ttl: timedelta
    etag: str | None
    fresh_until: datetime
    #: For a token list: the thumbprint of the key it was verified with.
    verified_with: str | None = None
    #: For a W3C list: the verification methods whose proofs verified (they also sign the
    #: list's dispositions document, :mod:`verifier.status.dispositions`).
    signers: tuple[VerificationMethod, ...] = ()
    _views: dict[int, PackedStatusList] = field(default_factory=dict, repr=False)

    def entries(self, status_size: int, min_entries: int) -> PackedStatusList:
        """The entries read with ``status_size`` bits each (W3C), or the token's own width."""
        view = self._views.get(status_size)
        if view is None:
            bits = self.bits if self.bits is not None else status_size
            view = PackedStatusList.from_bytes(self.data, bits, order=self.order)
            if view.size < min_entries:
                raise StatusError(
                    "status.list_too_short",
                    f"{view.size} entries of {bits} bit(s); the minimum is {min_entries}",
                )
            self._views[status_size] = view
        return view

    def check_validity(self, now: datetime) -> None:
        if self.valid_from is not None and now + VALID_FROM_LEEWAY < self.valid_from:
            raise StatusError("status.list_expired", f"{self.url} is not valid yet")
        if self.valid_until is not None and now >= self.valid_until:
            raise StatusError("status.list_expired", f"{self.url} is past its validity")

    def revalidated(self, fetched: Fetched) -> VerifiedList:
        """The same list after a 304: fresh again under the new response's headers."""
        return replace(
            self,
            etag=fetched.etag or self.etag,
            fresh_until=fresh_until(fetched, self.ttl, self.valid_until),
        )


class StatusListCache:
    """A bounded, thread-safe map from (URL, format) to :class:`VerifiedList`."""

    def __init__(self, max_lists: int = 1024) -> None:
        self._lists: OrderedDict[tuple[str, str], VerifiedList] = OrderedDict()
        self._max = max_lists
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lists)

    def get(self, url: str, format: ListFormat, now: datetime) -> VerifiedList | None:
        """The list if it is still fresh at ``now``."""
        found = self._lists.get((url, format))
        if found is None or now >= found.fresh_until:
            return None
        return found

    def stale(self, url: str, format: ListFormat) -> VerifiedList | None:
        """The list even if stale, for a conditional GET."""
        return self._lists.get((url, format))

    def put(self, verified: VerifiedList) -> None:
        key = (verified.url, verified.format)
        with self._lock:
            self._lists[key] = verified
            self._lists.move_to_end(key)
            while len(self._lists) > self._max:
                self._lists.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()
