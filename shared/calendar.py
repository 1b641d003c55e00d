"""Working-hours calendar for arrival deadlines (SPEC S19).

S19: a call must be reached within 6 (urban) or 7 (suburban) working hours, counted
inside working hours. Default calendar [choice]: Monday–Friday 09:00–12:00 and
13:00–18:00, Asia/Shanghai, China's public holidays and adjusted working days (调休);
each branch may override hours, weekdays and holidays.

Invariants:
- Pure: no I/O, no clock. Inputs must be timezone-aware; results are aware UTC.
- Working time is a fixed set of disjoint UTC intervals, one group per local date:
  each shift's bounds are resolved in ``tz`` for that date (so DST zones work), clipped
  to that local day and merged, so the set never depends on where a query starts.
- ``add_working_hours`` is exact to the microsecond (timedelta arithmetic, no floats);
  for a positive amount the result lies inside a shift, the shift's end included.
- ``working_hours_between(a, add_working_hours(a, h)) == h`` and
  ``working_hours_between`` is additive over adjacent ranges.
- Day precedence: ``extra_workdays`` > ``extra_holidays`` > public holidays and adjusted
  working weekends > ``weekdays``.
- China's adjusted days come from ``chinese_calendar`` for the years it covers
  (2004–2026 for 1.11.0). Other years fall back to ``holidays.China`` for public
  holidays only: adjusted working weekends there must be given as ``extra_workdays``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays

DEFAULT_TIMEZONE = "Asia/Shanghai"
_NO_WORK_GUARD_DAYS = 3660
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Shift:
    """A daily working period in local wall-clock time, ``start`` < ``end``."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError(f"shift times must be naive local times: {self}")
        if not self.start < self.end:
            raise ValueError(f"shift must start before it ends: {self.start}–{self.end}")


DEFAULT_SHIFTS = (Shift(time(9), time(12)), Shift(time(13), time(18)))
DEFAULT_WEEKDAYS = frozenset({0, 1, 2, 3, 4})


@cache
def _china_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return (public holidays, adjusted working weekend days) of China for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return frozenset(holidays.China(years=year)), frozenset()
    days_off: set[date] = set()
    workdays: set[date] = set()
    d = date(year, 1, 1)
    while d.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
        if is_holiday and name is not None:
            days_off.add(d)
        elif not is_holiday and d.weekday() >= 5:
            workdays.add(d)
        d += _ONE_DAY
    return frozenset(days_off), frozenset(workdays)


def _as_utc(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {dt.isoformat()}")
    return dt.astimezone(UTC)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and shifts of one branch; see the module docstring (SPEC S19)."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    china_holidays: bool = True
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError("a working calendar needs at least one shift")
        for earlier, later in pairwise(self.shifts):
            if later.start < earlier.end:
                raise ValueError(
                    "shifts must be sorted and must not overlap: "
                    f"{earlier.start}–{earlier.end} then {later.start}–{later.end}"
                )
        if not all(isinstance(w, int) and 0 <= w <= 6 for w in self.weekdays):
            raise ValueError(f"weekdays must be integers 0 (Monday) to 6: {self.weekdays}")

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> WorkingCalendar:
        """Build a calendar from a branch's config mapping; every key is optional."""
        kwargs: dict[str, Any] = {}
        if "timezone" in cfg:
            kwargs["tz"] = ZoneInfo(cfg["timezone"])
        if "shifts" in cfg:
            kwargs["shifts"] = tuple(
                Shift(time.fromisoformat(start), time.fromisoformat(end))
                for start, end in cfg["shifts"]
            )
        if "weekdays" in cfg:
            kwargs["weekdays"] = frozenset(int(w) for w in cfg["weekdays"])
        if "china_holidays" in cfg:
            kwargs["china_holidays"] = bool(cfg["china_holidays"])
        for key in ("extra_holidays", "extra_workdays"):
            if key in cfg:
                kwargs[key] = frozenset(_as_date(v) for v in cfg[key])
        return cls(**kwargs)

    def is_working_day(self, d: date) -> bool:
        """Tell whether the local date ``d`` has working shifts."""
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        if self.china_holidays:
            days_off, adjusted_workdays = _china_year(d.year)
            if d in adjusted_workdays:
                return True
            if d in days_off:
                return False
        return d.weekday() in self.weekdays

    def add_working_hours(self, start: datetime, hours: float | int | timedelta) -> datetime:
        """Return (aware, UTC) the instant when ``hours`` of working time have elapsed."""
        start_utc = _as_utc(start, "start")
        remaining = self._to_timedelta(hours)
        if not remaining:
            return start_utc
        for lo, hi in self._intervals_from(start_utc):
            lo = max(lo, start_utc)
            if hi <= lo:
                continue
            if remaining <= hi - lo:
                return lo + remaining
            remaining -= hi - lo
        raise AssertionError("unreachable: the interval iterator is unbounded")

    def working_hours_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time inside [a, b); zero when ``b <= a``."""
        a_utc, b_utc = _as_utc(a, "a"), _as_utc(b, "b")
        total = timedelta(0)
        if b_utc <= a_utc:
            return total
        last_day = b_utc.astimezone(self.tz).date() + _ONE_DAY
        for lo, hi in self._intervals_from(a_utc, last_day):
            lo, hi = max(lo, a_utc), min(hi, b_utc)
            if lo >= b_utc:
                break
            if hi > lo:
                total += hi - lo
        return total

    # --- internals -------------------------------------------------------------------

    @staticmethod
    def _to_timedelta(hours: float | int | timedelta) -> timedelta:
        if isinstance(hours, bool):
            raise TypeError("hours must be a number or a timedelta, not a bool")
        amount = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if amount < timedelta(0):
            raise ValueError(f"working time must not be negative: {hours!r}")
        return amount

    def _local(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz).astimezone(UTC)

    def _day_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Disjoint, sorted UTC intervals of working time on local date ``d``."""
        if not self.is_working_day(d):
            return []
        day_lo, day_hi = self._local(d, time(0)), self._local(d + _ONE_DAY, time(0))
        raw = sorted(
            (max(self._local(d, s.start), day_lo), min(self._local(d, s.end), day_hi))
            for s in self.shifts
        )
        merged: list[tuple[datetime, datetime]] = []
        for lo, hi in raw:
            if hi <= lo:
                continue  # a shift swallowed by a DST gap
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged

    def _intervals_from(
        self, start_utc: datetime, last_day: date | None = None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Yield working intervals from the local day before ``start_utc`` onwards.

        Unbounded unless ``last_day`` is given; raises ValueError after
        ``_NO_WORK_GUARD_DAYS`` consecutive days without working time.
        """
        d = start_utc.astimezone(self.tz).date() - _ONE_DAY
        idle_days = 0
        while last_day is None or d <= last_day:
            intervals = self._day_intervals(d)
            if intervals:
                idle_days = 0
                yield from intervals
            else:
                idle_days += 1
                if last_day is None and idle_days > _NO_WORK_GUARD_DAYS:
                    raise ValueError(
                        f"no working time within {_NO_WORK_GUARD_DAYS} days of "
                        f"{start_utc.isoformat()}: check the calendar's days and holidays"
                    )
            d += _ONE_DAY
