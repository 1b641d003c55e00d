"""An injectable clock, so rules that depend on "now" are testable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def ensure_utc(at: datetime) -> datetime:
    """Refuse naive datetimes; convert aware ones to UTC."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must carry a UTC offset")
    return at.astimezone(UTC)
