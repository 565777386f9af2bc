"""An ASGI app under uvicorn on a loopback port, in a thread of the test process: real HTTP
through the real app (browsers, wallets and the CLI talk to it), stopped when the test ends.
The same helper that ``shikaku serve`` and ``shikaku demo`` run their services with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cli.site import serving as serving_on

__all__ = ["serving"]


@contextmanager
def serving(app: Any, port: int, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on ``127.0.0.1:port`` until the block ends; its base URL."""
    with serving_on(app, "127.0.0.1", port, timeout=timeout) as url:
        yield url
