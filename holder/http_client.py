"""The wallet's one HTTP client: what drives :mod:`holder.flows` over the network.

HTTPS with the system's certificate authorities (``SSL_CERT_FILE`` where a board or a
verifier uses its own), no redirects followed (an issuer's endpoints are named in its
metadata; a redirect is a different server), bounded time per request. Tests pass the apps'
``TestClient`` to the flows instead.
"""

from __future__ import annotations

import httpx

__all__ = ["open_client"]


def open_client(*, timeout: float = 30.0) -> httpx.Client:
    """A client for the wallet's exchanges; close it (``with``) when done."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=10.0),
        follow_redirects=False,
        headers={"User-Agent": "shikaku-wallet"},
    )
