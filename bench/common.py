"""What every benchmark shares: an operations-per-second measurement."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cli.samples import jp_sample_credential

__all__ = ["rate", "register"]


def rate(action: Callable[[int], Any], seconds: float, *, pool: int) -> float:
    """Operations per second of ``action(i)`` for ``i`` cycling over ``pool`` inputs.

    Runs a warm-up first (caches fill as they would in a long-running service),
    then calls ``action`` for about ``seconds`` of wall-clock time.
    """
    for i in range(min(pool, 50)):
        action(i)
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            action(count % pool)
            count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def register(count: int, *, issuer: str | None = None) -> list[dict[str, Any]]:
    """``count`` JP-profile 看護師 credentials as a board's register holds them.

    Each has its own id, licence number and name (names vary by one kanji:
    register names hold no digits, as the qualification schema says).
    """
    return [
        jp_sample_credential(
            serial=i,
            license_number=f"{1000000 + i}",
            holder_name=f"山田 花{chr(0x4E00 + i)}",
            issuer=issuer,
        )
        for i in range(count)
    ]
