"""JWT time claims, checked explicitly with a bounded clock skew (RFC 7519 §4.1.4–4.1.6).

SD-JWT libraries commonly skip these checks (STANDARDS.md, Known traps); shikaku never does:

- ``exp`` (§4.1.4): the current time must be before it; allowed ``skew`` seconds late.
- ``nbf`` (§4.1.5): the current time must not be before it; allowed ``skew`` seconds early.
- ``iat`` (§4.1.6): must not be in the future beyond ``skew``.

Each is a NumericDate (§2): a JSON number of seconds since the epoch, not a boolean. A
claim that is present with another type is ``jose.claim_invalid``, as is a claim the caller
requires and the token lacks. Time is a parameter (``now``), never read from the system
here.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final

from vc_core.errors import JoseError

__all__ = ["DEFAULT_SKEW", "check_time_claims", "numeric_date", "timestamp"]

#: The default clock skew allowed between issuer, holder and verifier, in seconds.
DEFAULT_SKEW: Final = 60
#: The largest skew a caller may configure (five minutes; RFC 8725 §3.10 asks it be small).
MAX_SKEW: Final = 300


def timestamp(now: datetime) -> float:
    """Seconds since the epoch of a timezone-aware ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.timestamp()


def numeric_date(claims: Mapping[str, Any], name: str, *, required: bool = False) -> float | None:
    """The NumericDate claim ``name``, ``None`` when absent and not ``required``."""
    value = claims.get(name)
    if value is None and name not in claims and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        what = "missing" if name not in claims else "not a NumericDate"
        raise JoseError("jose.claim_invalid", f"{name} is {what}", claim=name)
    return float(value)


def check_time_claims(
    claims: Mapping[str, Any],
    *,
    now: datetime,
    skew: int = DEFAULT_SKEW,
    required: Collection[str] = (),
) -> None:
    """Check ``exp``, ``nbf`` and ``iat`` against ``now`` with ``skew`` seconds of leeway."""
    if not 0 <= skew <= MAX_SKEW:
        raise ValueError(f"skew must be between 0 and {MAX_SKEW} seconds")
    current = timestamp(now)
    exp = numeric_date(claims, "exp", required="exp" in required)
    nbf = numeric_date(claims, "nbf", required="nbf" in required)
    iat = numeric_date(claims, "iat", required="iat" in required)
    if exp is not None and current >= exp + skew:
        raise JoseError("jose.expired", exp=int(exp))
    if nbf is not None and current + skew < nbf:
        raise JoseError("jose.not_yet_valid", nbf=int(nbf))
    if iat is not None and current + skew < iat:
        raise JoseError("jose.iat_invalid", iat=int(iat))
