"""HTTP fetching for revocation sources, at the edge (STYLE.md, "Pure core, effects at the edges").

CRL and OCSP sources take a :data:`Fetch` callable, so their logic never opens
a socket itself; :func:`http_fetch` is the default, built on ``urllib`` with a
timeout, a size limit and only ``http``/``https`` URLs. Every failure becomes
``card.revocation_unavailable``: a verifier that cannot reach its source must
not mistake that for "good".
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from vc_core.errors import CardError

__all__ = ["Fetch", "http_fetch"]

#: ``fetch(url, body, content_type) -> bytes``: GET when ``body`` is None, else POST.
Fetch = Callable[[str, bytes | None, str | None], bytes]

_MAX_BYTES = 64 * 1024 * 1024


def http_fetch(
    url: str, body: bytes | None = None, content_type: str | None = None, *, timeout: float = 10.0
) -> bytes:
    """GET (or POST ``body``) ``url`` and return the response body."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise CardError("card.revocation_unavailable", f"refusing a {scheme or 'relative'} URL")
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310 (scheme checked above)
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            data: bytes = response.read(_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CardError("card.revocation_unavailable", f"cannot fetch {url}") from exc
    if len(data) > _MAX_BYTES:
        raise CardError("card.revocation_unavailable", f"{url} answered more than 64 MiB")
    return data
