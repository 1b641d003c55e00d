"""Working-hours calendar for arrival deadlines (SPEC S19).

S19: a call must be reached within 6 (urban) or 7 (suburban) working hours, counted
inside working hours. Default calendar [choice]: Monday–Friday 09:00–12:00 and
13:00–18:00, Asia/Shanghai, China's public holidays and adjusted working days (调休);
each branch may override hours, weekdays and holidays.

Invariants:
- Pure: no clock, no I/O beyond reading the company calendar file once per path (see
  ``shared.calendar_file``). Inputs must be timezone-aware; results are aware UTC.
- Working time is a fixed set of disjoint UTC intervals, one group per local date:
  each shift's bounds are resolved in ``tz`` for that date (so DST zones work), clipped
  to that local day and merged, so the set never depends on where a query starts.
- ``add_working_hours`` is exact to the microsecond (timedelta arithmetic, no floats);
  for a positive amount the result lies inside a shift, the shift's end included.
- ``working_hours_between(a, add_working_hours(a, h)) == h`` and
  ``working_hours_between`` is additive over adjacent ranges.
- Day precedence: ``extra_workdays`` > ``extra_holidays`` > China's days off and
  adjusted working weekends > ``weekdays``.

Calendar data, never silently wrong (SPEC S19, docs/rules.md "Calendar data"). China's
days of a year come, in this order, from:
1. the ``chinese_calendar`` package, when it covers the year (a maintained package that
   knows the year wins: 2004–2026 for 1.11.0);
2. else the company calendar file's schedule for the year (``shared.calendar_file``,
   loaded with ``aftersales calendar import`` once the State Council publishes it);
3. else nothing official: the year is *degraded*. Days are still counted, from
   ``holidays.China`` (the statutory public holidays, no adjusted working weekends),
   and every deadline reaching such a year is *provisional*
   (``WorkingCalendar.provisional``), ``/healthz`` says so and start-up warns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from .calendar_file import CompanyCalendar, calendar_file_path, load_company_calendar

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


PACKAGE = f"chinese_calendar {chinese_calendar.__version__}"
FALLBACK = "holidays.China: statutory public holidays only, no official schedule"


@dataclass(frozen=True, eq=False)
class YearDays:
    """China's days off and adjusted working days of one year, and where they come from."""

    year: int
    days_off: frozenset[date]
    workdays: frozenset[date]
    official: bool
    source: str
    names: Mapping[date, str] = field(default_factory=dict)


@cache
def _package_year(year: int) -> YearDays | None:
    """The year as ``chinese_calendar`` knows it, or None when it does not cover it."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    days_off: set[date] = set()
    workdays: set[date] = set()
    names: dict[date, str] = {}
    d = date(year, 1, 1)
    while d.year == year:
        is_holiday, name = chinese_calendar.get_holiday_detail(d)
        if is_holiday and name is not None:
            days_off.add(d)
            names[d] = name
        elif not is_holiday and d.weekday() >= 5:
            workdays.add(d)
            names[d] = name or ""
        d += _ONE_DAY
    return YearDays(year, frozenset(days_off), frozenset(workdays), True, PACKAGE, names)


@cache
def _fallback_year(year: int) -> YearDays:
    """Degraded: the statutory holidays ``holidays`` computes, nothing worked in exchange."""
    import holidays  # the fallback alone needs it: off the startup path

    public = holidays.China(years=year)
    return YearDays(year, frozenset(public), frozenset(), False, FALLBACK,
                    {d: str(n) for d, n in public.items()})


@dataclass(frozen=True)
class ChinaSchedules:
    """Which official schedule decides each year: the package, else the company file,
    else none (degraded); see the module docstring."""

    company: CompanyCalendar = field(default_factory=CompanyCalendar)
    _years: dict[int, YearDays] = field(default_factory=dict, init=False, compare=False,
                                        hash=False, repr=False)

    def year(self, year: int) -> YearDays:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = self._resolve(year)
        return found

    def source(self, year: int) -> str:
        """What decides ``year``'s days. A degraded year is named without counting its
        days, so health checks do not load the fallback's library (16 MB and 390 modules,
        issue 17): only a deadline that reaches such a year does."""
        found = self._years.get(year)
        if found is not None:
            return found.source
        if _package_year(year) is None and self.company.get(year) is None:
            return FALLBACK
        return self.year(year).source

    def official(self, year: int) -> bool:
        """An official schedule (package or company file) is loaded for ``year``."""
        return self.source(year) != FALLBACK

    def _resolve(self, year: int) -> YearDays:
        days = _package_year(year)
        if days is None:
            schedule = self.company.get(year)
            if schedule is None:
                days = _fallback_year(year)
            else:
                days = YearDays(
                    year,
                    frozenset(d for d in schedule.days_off() if d.year == year),
                    frozenset(d for d in schedule.working_days() if d.year == year),
                    True, f"company file: {schedule.notice}",
                    {d: n for d, n in schedule.names().items() if d.year == year})
        # Next year's notice may fix days of this December (a New Year's break joined to
        # a weekend); the package already files such days under their own year.
        following = self.company.get(year + 1)
        if following is None or _package_year(year + 1) is not None:
            return days
        off = frozenset(d for d in following.days_off() if d.year == year)
        work = frozenset(d for d in following.working_days() if d.year == year)
        if not off and not work:
            return days
        names = {**days.names, **{d: n for d, n in following.names().items() if d.year == year}}
        return YearDays(year, (days.days_off - work) | off, (days.workdays - off) | work,
                        days.official, days.source, names)


@lru_cache(maxsize=8)
def _schedules_for(path: Path) -> ChinaSchedules:
    return ChinaSchedules(load_company_calendar(path))


def default_schedules() -> ChinaSchedules:
    """The schedules of the configured company calendar file (``AFTERSALES_CALENDAR_FILE``)."""
    return _schedules_for(calendar_file_path())


def unofficial_years(years: Iterable[int], schedules: ChinaSchedules | None = None) -> list[int]:
    """The years among ``years`` with no official China schedule loaded (health checks)."""
    schedules = schedules or default_schedules()
    return sorted({y for y in years if not schedules.official(y)})


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
    # Where China's days come from (package, company file, fallback): see the docstring.
    schedules: ChinaSchedules = field(default_factory=default_schedules, repr=False)

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
            china = self.schedules.year(d.year)
            if d in china.workdays:
                return True
            if d in china.days_off:
                return False
        return d.weekday() in self.weekdays

    def official_year(self, year: int) -> bool:
        """The days of ``year`` are official: China's holidays are off for this branch
        (its own days are all there is), or an official schedule is loaded for the year."""
        return not self.china_holidays or self.schedules.official(year)

    def unofficial_years(self, years: Iterable[int]) -> list[int]:
        """The years among ``years`` whose days this calendar counts without a schedule."""
        return sorted({y for y in years if not self.official_year(y)})

    def provisional(self, start: datetime, end: datetime) -> bool:
        """A deadline counted over [start, end] is provisional: some local date in it lies
        in a year without an official schedule (SPEC S19, calendar data)."""
        a = _as_utc(start, "start").astimezone(self.tz).date()
        b = _as_utc(end, "end").astimezone(self.tz).date()
        first, last = min(a, b), max(a, b)
        return bool(self.unofficial_years(range(first.year, last.year + 1)))

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


def calendar_health(calendars: Mapping[str, WorkingCalendar], now: datetime) -> dict[str, Any]:
    """The calendar's part of ``/healthz``: which years deadlines can reach (each branch's
    current year and the next) have no official schedule.

    ``{"status": "ok" | "degraded", "checked_years": [...], "unofficial_years": [...],
    "sources": {"2027": "..."}}``, with ``"branches": {code: [years]}`` when branches
    differ (another zone's year, China's holidays off).
    """
    per_branch: dict[str, list[int]] = {}
    checked: set[int] = set()
    sources: dict[str, str] = {}
    for code, cal in calendars.items():
        year = _as_utc(now, "now").astimezone(cal.tz).year
        years = (year, year + 1)
        checked.update(years)
        per_branch[code] = cal.unofficial_years(years)
        if cal.china_holidays:
            for y in years:
                sources.setdefault(str(y), cal.schedules.source(y))
    unofficial = sorted({y for ys in per_branch.values() for y in ys})
    detail: dict[str, Any] = {
        "status": "degraded" if unofficial else "ok",
        "checked_years": sorted(checked),
        "unofficial_years": unofficial,
        "sources": dict(sorted(sources.items())),
    }
    if len({tuple(ys) for ys in per_branch.values()}) > 1:
        detail["branches"] = per_branch
    return detail
