"""Bounded HTTPS GETs for the verifier's edges: a size limit, a deadline, no redirects.

STANDARDS.md's trap, "fetch with a size limit and timeout", applies to everything a verifier
dereferences on a presenter's say-so: DID documents (did:web method spec §3.2), JWT VC Issuer
Metadata (draft-ietf-oauth-sd-jwt-vc §5) and status lists. :func:`bounded_get` is the one
reading loop; each caller turns its three failures into its own codes through ``fail``:

- :attr:`FetchFailure.TIMEOUT`: the whole exchange took longer than ``timeout`` seconds; the
  deadline covers a server that trickles its bytes, not just each read;
- :attr:`FetchFailure.TOO_LARGE`: the declared or received body passed ``max_bytes`` (decoded
  bytes are counted, so a compressed transfer cannot bomb us either);
- :attr:`FetchFailure.UNREACHABLE`: connection errors, non-200 answers and redirects (never
  followed: the target could leave the allowlist).

The ``httpx.Client`` is the caller's (STYLE.md, "Pass the world in"); tests hand in one over
:class:`httpx.MockTransport`. :func:`max_age` reads how long HTTP lets a caller keep the body
(RFC 9111 §5.2.2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import httpx

from vc_core.errors import ShikakuError

__all__ = ["Download", "FetchFailure", "FetchLimits", "bounded_get", "max_age"]


@dataclass(frozen=True)
class FetchLimits:
    """What the verifier is willing to fetch about issuers, and how long it keeps it.

    ``allowed_hosts`` lists hosts (``board.example.jp``, or ``host:port``); empty means only
    the hosts of the issuers in the trust registry. ``max_bytes`` bounds a body, ``timeout``
    an exchange. A document is cached for its ``Cache-Control: max-age`` (at most
    ``max_cache_seconds``; ``default_cache_seconds`` when the server does not say; never for
    ``no-store`` or ``no-cache``), in a cache of at most ``cache_entries`` documents.
    """

    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = 64 * 1024
    timeout: float = 5.0
    cache_entries: int = 256
    max_cache_seconds: float = 3600.0
    default_cache_seconds: float = 300.0


class FetchFailure(StrEnum):
    """Why a bounded GET failed; the caller maps each to a code of its own."""

    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    UNREACHABLE = "unreachable"


#: Turns a failure and a message (which names the URL, never a secret) into the caller's error.
Fail = Callable[[FetchFailure, str], ShikakuError]


@dataclass(frozen=True)
class Download:
    """A 200 answer read within the limits: its body, media type and caching directive."""

    url: str
    body: bytes
    media_type: str
    cache_control: str | None


def bounded_get(
    client: httpx.Client,
    url: str,
    *,
    accept: str,
    max_bytes: int,
    timeout: float,
    fail: Fail,
) -> Download:
    """GET ``url`` with ``Accept: accept``, at most ``max_bytes`` within ``timeout`` seconds.

    The caller has already checked the URL against its allowlist; redirects are refused here
    so the answer always comes from that URL.
    """
    deadline = time.monotonic() + timeout
    try:
        with client.stream(
            "GET",
            url,
            headers={"Accept": accept},
            follow_redirects=False,
            timeout=httpx.Timeout(timeout),
        ) as response:
            if response.status_code != 200:
                raise fail(FetchFailure.UNREACHABLE, f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise fail(FetchFailure.TOO_LARGE, f"{url} declares {declared} bytes")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise fail(FetchFailure.TOO_LARGE, f"{url} sent more than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise fail(FetchFailure.TIMEOUT, f"{url} took too long to answer")
            media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
            return Download(url, bytes(body), media_type, response.headers.get("Cache-Control"))
    except httpx.TimeoutException as exc:
        raise fail(FetchFailure.TIMEOUT, f"{url} did not answer in time") from exc
    except httpx.HTTPError as exc:
        raise fail(FetchFailure.UNREACHABLE, f"{url}: {type(exc).__name__}") from exc


def max_age(cache_control: str | None) -> float | None:
    """Seconds ``Cache-Control`` lets a cache keep the answer, or None if it does not say.

    ``no-store`` and ``no-cache`` give 0 (use once); a malformed ``max-age`` gives 0 as well
    (RFC 9111 §4.2.1: a cache treats an invalid freshness lifetime as stale).
    """
    directives: dict[str, str] = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    if "max-age" not in directives:
        return None
    value = directives["max-age"]
    return float(int(value)) if value.isdigit() else 0.0
