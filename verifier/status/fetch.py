"""Fetching status lists over HTTPS: an allowlist, a size limit, a timeout, conditional GETs.

W3C Bitstring Status List v1.0 §3.2 step 4 ("Dereference the statusListCredential URL … If the
dereference fails, raise a STATUS_RETRIEVAL_ERROR") and draft-ietf-oauth-status-list §8.1
(Status List Request: ``Accept`` names the format; HTTPS). STANDARDS.md's trap: "fetch with a
size limit and timeout". Each failure has its own code:

- ``status.url_not_allowed``: the URL matches no allowlisted prefix, or is not ``https``
  (plain ``http`` only for loopback prefixes a test or a local deployment allowlists).
- ``status.list_timeout``: the whole exchange took longer than ``timeout`` seconds; the
  deadline covers a server that trickles its bytes, not just each read.
- ``status.list_too_large``: the declared or received body passed ``max_bytes``.
- ``status.list_unreachable``: connection errors, non-200 answers, and redirects (never
  followed: the target could leave the allowlist).

This is the only module of the verifier that imports httpx. The transport is a parameter,
so tests serve lists through :class:`httpx.MockTransport` without a network.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from vc_core.errors import StatusError

__all__ = ["FetchPolicy", "Fetched", "StatusListFetcher", "cache_lifetime"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class FetchPolicy:
    """What a verifier is willing to fetch.

    ``allow`` lists URL prefixes (``https://status.example.jp/``); an empty tuple allows
    every ``https`` URL. ``max_bytes`` bounds the downloaded (compressed) body.
    """

    allow: tuple[str, ...] = ()
    max_bytes: int = 2 * 1024 * 1024
    timeout: float = 5.0

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        loopback = parts.hostname in _LOOPBACK
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback and self.allow):
            raise StatusError("status.url_not_allowed", f"{url} is not an https URL")
        if self.allow and not any(url.startswith(prefix) for prefix in self.allow):
            raise StatusError("status.url_not_allowed", f"{url} is not on the allowlist")


@dataclass(frozen=True)
class Fetched:
    """A fetched document, or a 304 revalidation (``not_modified``, empty body)."""

    url: str
    body: bytes
    media_type: str
    etag: str | None
    cache_control: str | None
    expires: datetime | None
    fetched_at: datetime
    not_modified: bool = False


def cache_lifetime(fetched: Fetched) -> float | None:
    """Seconds HTTP lets us keep the response (RFC 9111 §4.2.1), or None if it does not say.

    ``no-store`` and ``no-cache`` give 0: use once, then fetch (or revalidate) again.
    """
    directives = {
        part.strip().split("=", 1)[0].lower(): part.strip().split("=", 1)[-1]
        for part in (fetched.cache_control or "").split(",")
        if part.strip()
    }
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    if "max-age" in directives:
        try:
            return max(0.0, float(int(directives["max-age"].strip('"'))))
        except ValueError:
            return 0.0
    if fetched.expires is not None:
        return max(0.0, (fetched.expires - fetched.fetched_at).total_seconds())
    return None


def _expires(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        # RFC 9111 §5.3: an invalid Expires means "already expired".
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class StatusListFetcher:
    """GETs status lists under a :class:`FetchPolicy`."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._now = now
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.policy.timeout),
            headers={"User-Agent": "shikaku-verifier"},
        )

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, *, accept: str, etag: str | None = None) -> Fetched:
        """GET ``url``; with ``etag``, a conditional GET that may come back ``not_modified``."""
        self.policy.check_url(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        deadline = time.monotonic() + self.policy.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                return self._read(url, response, deadline)
        except httpx.TimeoutException as exc:
            raise StatusError("status.list_timeout", f"{url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise StatusError("status.list_unreachable", f"{url}: {type(exc).__name__}") from exc

    def _read(self, url: str, response: httpx.Response, deadline: float) -> Fetched:
        def result(body: bytes, media_type: str, *, not_modified: bool = False) -> Fetched:
            return Fetched(
                url=url,
                body=body,
                media_type=media_type,
                etag=response.headers.get("ETag"),
                cache_control=response.headers.get("Cache-Control"),
                expires=_expires(response.headers.get("Expires")),
                fetched_at=self._now(),
                not_modified=not_modified,
            )

        if response.status_code == 304:
            return result(b"", "", not_modified=True)
        if response.status_code != 200:
            raise StatusError(
                "status.list_unreachable", f"{url} answered HTTP {response.status_code}"
            )
        limit = self.policy.max_bytes
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise StatusError("status.list_too_large", f"{url} declares {declared} bytes")
        chunks: list[bytes] = []
        received = 0
        # Decoded bytes are counted, so a compressed transfer encoding cannot bomb us either.
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > limit:
                raise StatusError("status.list_too_large", f"{url} sent more than {limit} bytes")
            if time.monotonic() > deadline:
                raise StatusError("status.list_timeout", f"{url} took too long to send the list")
            chunks.append(chunk)
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        return result(b"".join(chunks), media_type)
