"""One shape of "now" for all of shikaku: a :data:`Clock` is a function returning an aware UTC time.

Time enters only at the edges (STYLE.md, "Pass the world in"). Every component that needs
the current time takes a ``clock`` keyword whose default is :func:`system_clock`; tests and
the demo pass a :class:`FixedClock` (or :class:`SteppingClock`) instead of monkeypatching, so a
whole story runs on one injected clock and never straddles a second boundary by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "FixedClock", "SteppingClock", "system_clock", "utc"]

#: The current time, timezone-aware, in UTC.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time; a naive time is refused rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no timezone; pass an aware one")
    return moment.astimezone(UTC)


class FixedClock:
    """A clock that stands still until told to move (tests, replays, the demo)."""

    __slots__ = ("moment",)

    def __init__(self, moment: datetime) -> None:
        self.moment = utc(moment)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new time."""
        self.moment += delta
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = utc(moment)

    def __repr__(self) -> str:
        return f"FixedClock({self.moment.isoformat()})"


class SteppingClock(FixedClock):
    """A clock that moves forward by ``step`` after every reading.

    Used to prove that a story does not depend on steps sharing a second, a minute or a day:
    each call returns a later time than the one before.
    """

    __slots__ = ("step",)

    def __init__(self, moment: datetime, step: timedelta) -> None:
        super().__init__(moment)
        self.step = step

    def __call__(self) -> datetime:
        current = self.moment
        self.moment += self.step
        return current
