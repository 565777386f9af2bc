"""What every benchmark shares: an operations-per-second measurement."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cli.samples import jp_sample_credential

__all__ = ["merge_section", "rate", "register"]


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


def merge_section(out: Path, section: str, figures: Mapping[str, Any]) -> None:
    """Write ``figures`` as ``section`` of the results file ``out``, keeping the other sections
    (the shape ``python -m bench.run`` gives them), for a benchmark run on its own."""
    previous: dict[str, Any] = {}
    if out.exists():
        previous = json.loads(out.read_text(encoding="utf-8"))
    previous[section] = dict(figures)
    out.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
