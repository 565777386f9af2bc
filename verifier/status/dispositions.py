"""Why and until when a suspended credential is suspended: the list's dispositions document.

A set suspension bit (W3C Bitstring Status List v1.0 §3.2 steps 11–14) fails the
``status.suspension`` check with ``status.suspended``. An employer also needs what the
government's page shows (業務停止 from 2026-12-01 until 2027-03-01, 保健師助産師看護師法第14条),
so the checker then reads the ``dispositions+jwt`` the issuer publishes at
``<statusListCredential>.dispositions`` (its format is documented in the issuer's
``issuer.status.dispositions``) and adds the entry's disposition to the check's details
(beside ``statusListCredential``, ``statusListIndex`` and ``status``)::

    {"reason": "suspended: 業務停止", "legalBasis": "保健師助産師看護師法第14条",
     "from": "2026-12-01", "until": "2027-03-01"}

The document is trusted only as far as the list it describes:

- it is fetched with the list's fetcher (allowlist, size limit, timeout) and cached by ETag
  and TTL like the list (the list's ``ttl``, HTTP ``Cache-Control``, the document's ``exp``);
- its JWS (RFC 7515) must carry ``typ: dispositions+jwt`` and a ``kid`` naming a verification
  method whose Data Integrity proof verified the list, and verify with that method's key
  (:func:`vc_core.jose.jws.verify_jws`), so only the key trusted for the bits speaks for them;
- ``sub`` must be the list's URL and ``iss`` the list's issuer, so one list's dispositions
  cannot stand in for another's; ``iat`` must have come and ``exp`` not passed.

The bit is authoritative. If the document cannot be fetched, does not verify, or has no item
for the entry (even after a conditional refetch), the check still fails with
``status.suspended`` and its details say ``"disposition": "unavailable"`` with the reason's
code in ``dispositionError``: never a pass, never an exception.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from vc_core.errors import ShikakuError, StatusError
from vc_core.jose.jws import check_typ, parse_jws, verify_jws
from verifier.status.cache import VerifiedList, fresh_until
from verifier.status.fetch import Fetched, StatusListFetcher

__all__ = ["DispositionsReader", "VerifiedDispositions"]

_PATH: Final = ".dispositions"
_ACCEPT: Final = "application/dispositions+jwt"
_TYP: Final = "dispositions+jwt"
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")

Disposition = Mapping[str, str | None]


@dataclass(frozen=True)
class VerifiedDispositions:
    """A dispositions document whose signature and claims verified, by list index."""

    url: str
    verified_with: str
    by_index: Mapping[int, Disposition]
    expires: datetime
    etag: str | None
    fresh_until: datetime


def _invalid(message: str) -> StatusError:
    return StatusError("status.disposition_invalid", message)


class DispositionsReader:
    """Fetches, verifies and caches suspension lists' dispositions documents."""

    def __init__(self, fetcher: StatusListFetcher, *, max_documents: int = 256) -> None:
        self.fetcher = fetcher
        self._documents: OrderedDict[str, VerifiedDispositions] = OrderedDict()
        self._max = max_documents
        self._lock = threading.Lock()

    def describe(self, verified: VerifiedList, index: int, now: datetime) -> dict[str, Any]:
        """The details a failing ``status.suspension`` check gets for entry ``index`` of the
        verified list: the disposition's fields, or ``"disposition": "unavailable"`` and why
        (see the module)."""
        try:
            return dict(self.lookup(verified, index, now))
        except ShikakuError as exc:
            return {"disposition": "unavailable", "dispositionError": exc.code}

    def lookup(self, verified: VerifiedList, index: int, now: datetime) -> Disposition:
        """The disposition of entry ``index``; raises a :class:`StatusError` when there is none
        that verifies."""
        url = verified.url + _PATH
        signers = {method.id for method in verified.signers}
        cached = self._documents.get(url)
        if cached is not None and cached.verified_with not in signers:
            cached = None  # Verified with a key that no longer signs the list: worthless.
        if cached is not None and now < cached.fresh_until and index in cached.by_index:
            return cached.by_index[index]
        # Not cached, stale, or older than the bits: a (conditional) fetch.
        fetched = self.fetcher.fetch(
            url, accept=_ACCEPT, etag=cached.etag if cached is not None else None
        )
        if fetched.not_modified and cached is not None:
            document = replace(
                cached,
                etag=fetched.etag or cached.etag,
                fresh_until=fresh_until(fetched, verified.ttl, cached.expires),
            )
        else:
            document = _verify(fetched, verified, now)
        self._put(document)
        if now >= document.expires:
            raise _invalid(f"{url} is past its exp")
        found = document.by_index.get(index)
        if found is None:
            raise StatusError(
                "status.disposition_missing", f"{url} has no disposition for index {index}"
            )
        return found

    def _put(self, document: VerifiedDispositions) -> None:
        with self._lock:
            self._documents[document.url] = document
            self._documents.move_to_end(document.url)
            while len(self._documents) > self._max:
                self._documents.popitem(last=False)


def _verify(fetched: Fetched, verified: VerifiedList, now: datetime) -> VerifiedDispositions:
    """Verify a fetched document against the list it describes (see the module)."""
    try:
        jws = parse_jws(fetched.body.decode("ascii").strip())
        check_typ(jws.header, [_TYP])
        kid = jws.header.get("kid")
        method = next((m for m in verified.signers if m.id == kid), None)
        if method is None:
            raise _invalid("the document's kid names no key that signed the list")
        verify_jws(jws, method.public_key)
    except UnicodeDecodeError as exc:
        raise _invalid("the document is not a compact JWS") from exc
    except StatusError:
        raise
    except ShikakuError as exc:
        raise _invalid(f"the document's signature does not verify ({exc.code})") from exc
    claims = jws.payload
    if claims.get("sub") != verified.url:
        raise _invalid(f"the document's sub is not the list {verified.url}")
    if claims.get("iss") != verified.issuer:
        raise _invalid(f"the document's iss is not the list's issuer {verified.issuer}")
    issued_at, expires_at = claims.get("iat"), claims.get("exp")
    if type(issued_at) is not int or type(expires_at) is not int:
        raise _invalid("the document's iat and exp must be NumericDates")
    expires = datetime.fromtimestamp(expires_at, UTC)
    if issued_at > now.timestamp() or now >= expires:
        raise _invalid("the document is outside its iat and exp")
    items = claims.get("dispositions")
    if not isinstance(items, list):
        raise _invalid("the document's dispositions must be a list")
    by_index: dict[int, Disposition] = {}
    for item in items:
        index, disposition = _item(item)
        if index in by_index:
            raise _invalid(f"the document names index {index} twice")
        by_index[index] = disposition
    return VerifiedDispositions(
        url=fetched.url,
        verified_with=method.id,
        by_index=by_index,
        expires=expires,
        etag=fetched.etag,
        fresh_until=fresh_until(fetched, verified.ttl, expires),
    )


def _item(item: Any) -> tuple[int, Disposition]:
    """One ``{"idx", "code", "message", "legalBasis", "from", "until"}`` item."""
    if not isinstance(item, dict):
        raise _invalid("a disposition must be an object")
    index, code = item.get("idx"), item.get("code")
    if type(index) is not int or type(code) is not int or index < 0 or code < 0:
        raise _invalid("a disposition's idx and code must be non-negative integers")
    message, basis = item.get("message"), item.get("legalBasis")
    if not isinstance(message, str) or not isinstance(basis, str):
        raise _invalid("a disposition's message and legalBasis must be strings")
    until = item.get("until")
    return index, {
        "reason": message,
        "legalBasis": basis,
        "from": _day(item.get("from")),
        "until": None if until is None else _day(until),
    }


def _day(value: Any) -> str:
    """A ``YYYY-MM-DD`` calendar day, as given."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise _invalid("a disposition's from and until must be YYYY-MM-DD days")
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError as exc:
        raise _invalid(f"{value} is not a calendar day") from exc
    return value
