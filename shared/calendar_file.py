"""The company calendar file: China's official holiday schedules, year by year (SPEC S19).

Every year the State Council publishes a notice (国务院办公厅关于<year>年部分节假日安排的通知)
fixing that year's days off and the weekend days worked in exchange (调休). The
``chinese_calendar`` package carries these notices for the years it knows; the company
file carries any year published after the installed package was released, so that a
schedule is in force the day it is published, not the day a package update ships.

File (JSON, ``shared/reference/calendar/CN.json``, or ``AFTERSALES_CALENDAR_FILE``)::

    {"format": 1, "country": "CN",
     "years": {"2027": {
        "notice": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）",
        "url": "https://www.gov.cn/...", "published": "2026-11-..",
        "holidays": [{"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"}],
        "workdays": [{"date": "2027-09-26", "name": "国庆节"}]}}}

``holidays`` are inclusive ranges of days off (weekends inside a range included);
``workdays`` are the weekend days worked instead. A notice may reach into the December
before its year (a New Year's Day break joined to a weekend): such days are listed in
the notice of the year they belong to and apply to those December dates.

The notice as it is published is easier to type as text (``aftersales calendar import``
reads both)::

    year 2027
    notice 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
    url https://www.gov.cn/...
    published 2026-11-10
    holiday 2027-10-01..2027-10-07 国庆节
    workday 2027-09-26 国庆节

Validation refuses what cannot be a notice: a date outside the year (or the December
before), a range that ends before it starts or is longer than a month, overlapping
ranges, a worked day that is not a Saturday or Sunday or lies inside a holiday, a
notice without holidays or without its name.

Reading the file is the only I/O here; it happens once per path (``load``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

FORMAT = 1
ENV_VAR = "AFTERSALES_CALENDAR_FILE"
DEFAULT_FILE = Path(__file__).with_name("reference") / "calendar" / "CN.json"
FIRST_YEAR, LAST_YEAR = 2000, 2100
_LONGEST_BREAK = timedelta(days=31)
_ONE_DAY = timedelta(days=1)
ABOUT = ("China's official holiday schedules (State Council notices) for years the "
         "chinese_calendar package does not cover yet. Empty until a notice is published: "
         "load it with `aftersales calendar import <notice-file>`; format in "
         "shared/calendar_file.py and README (Calendar data).")


class ScheduleError(ValueError):
    """A schedule or calendar file that cannot be an official notice, with every problem."""

    def __init__(self, problems: list[str], *, where: str = "") -> None:
        self.problems = problems
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + "; ".join(problems))


@dataclass(frozen=True)
class Holiday:
    """An inclusive range of days off."""

    name: str
    first: date
    last: date

    def days(self) -> Iterator[date]:
        d = self.first
        while d <= self.last:
            yield d
            d += _ONE_DAY


@dataclass(frozen=True)
class AdjustedWorkday:
    """A Saturday or Sunday worked in exchange for a holiday (调休)."""

    day: date
    name: str = ""


@dataclass(frozen=True)
class OfficialSchedule:
    """One year's State Council notice: its days off and its adjusted working days."""

    year: int
    notice: str
    holidays: tuple[Holiday, ...]
    workdays: tuple[AdjustedWorkday, ...] = ()
    url: str = ""
    published: date | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ScheduleError(problems, where=f"schedule {self.year}")

    def problems(self) -> list[str]:
        """Everything that makes this not a possible notice (empty: valid)."""
        found: list[str] = []
        if not (isinstance(self.year, int) and FIRST_YEAR <= self.year <= LAST_YEAR):
            return [f"year must be {FIRST_YEAR}–{LAST_YEAR}, got {self.year!r}"]
        if not self.notice.strip():
            found.append("the notice it came from is missing (notice)")
        if not self.holidays:
            found.append("no holidays: a notice always gives days off")
        lo, hi = date(self.year - 1, 12, 1), date(self.year, 12, 31)
        for h in self.holidays:
            if h.last < h.first:
                found.append(f"{h.name}: {h.first}..{h.last} ends before it starts")
            elif h.last - h.first >= _LONGEST_BREAK:
                found.append(f"{h.name}: {h.first}..{h.last} is longer than a month")
            if not (lo <= h.first and h.last <= hi):
                found.append(f"{h.name}: {h.first}..{h.last} lies outside {self.year}")
        for a, b in pairwise(sorted(self.holidays, key=lambda h: h.first)):
            if b.first <= a.last:
                found.append(f"{a.name} and {b.name} overlap ({b.first})")
        off = self.days_off()
        seen: set[date] = set()
        for w in self.workdays:
            if not lo <= w.day <= hi:
                found.append(f"worked day {w.day} lies outside {self.year}")
            if w.day.weekday() < 5:
                found.append(f"worked day {w.day} is a {w.day:%A}: only a Saturday or "
                             "Sunday is worked in exchange")
            if w.day in off:
                found.append(f"worked day {w.day} lies inside a holiday")
            if w.day in seen:
                found.append(f"worked day {w.day} is listed twice")
            seen.add(w.day)
        return found

    def days_off(self) -> frozenset[date]:
        return frozenset(d for h in self.holidays for d in h.days())

    def working_days(self) -> frozenset[date]:
        return frozenset(w.day for w in self.workdays)

    def names(self) -> dict[date, str]:
        """The holiday each listed day belongs to (days off and worked days)."""
        named = {d: h.name for h in self.holidays for d in h.days()}
        named.update({w.day: w.name for w in self.workdays})
        return named

    # --- JSON ----------------------------------------------------------------------

    @classmethod
    def from_json(cls, year: int, raw: Mapping[str, Any]) -> OfficialSchedule:
        try:
            holidays = tuple(
                Holiday(name=str(h.get("name", "")), first=date.fromisoformat(h["from"]),
                        last=date.fromisoformat(h.get("to", h["from"])))
                for h in raw.get("holidays", []))
            workdays = tuple(
                AdjustedWorkday(day=date.fromisoformat(w["date"]), name=str(w.get("name", "")))
                if isinstance(w, Mapping) else AdjustedWorkday(day=date.fromisoformat(w))
                for w in raw.get("workdays", []))
            published = raw.get("published")
            return cls(year=year, notice=str(raw.get("notice", "")), holidays=holidays,
                       workdays=workdays, url=str(raw.get("url", "")),
                       published=date.fromisoformat(published) if published else None)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, ScheduleError):
                raise
            raise ScheduleError([f"not a schedule entry: {exc!r}"],
                                where=f"schedule {year}") from None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"notice": self.notice}
        if self.url:
            entry["url"] = self.url
        if self.published:
            entry["published"] = self.published.isoformat()
        entry["holidays"] = [{"name": h.name, "from": h.first.isoformat(),
                              "to": h.last.isoformat()} for h in self.holidays]
        entry["workdays"] = [{"date": w.day.isoformat(), "name": w.name}
                             for w in self.workdays]
        return entry


@dataclass(frozen=True)
class CompanyCalendar:
    """The company calendar file: official schedules by year."""

    schedules: tuple[OfficialSchedule, ...] = ()
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        years = [s.year for s in self.schedules]
        if len(set(years)) != len(years):
            raise ScheduleError([f"a year is listed twice: {sorted(years)}"], where=self.source)
        object.__setattr__(self, "_by_year", {s.year: s for s in self.schedules})

    def get(self, year: int) -> OfficialSchedule | None:
        return self._by_year.get(year)  # type: ignore[attr-defined]

    @property
    def years(self) -> list[int]:
        return sorted(self._by_year)  # type: ignore[attr-defined]

    def with_schedule(self, schedule: OfficialSchedule) -> CompanyCalendar:
        """This calendar with ``schedule`` added, or replacing the same year's."""
        kept = [s for s in self.schedules if s.year != schedule.year]
        return CompanyCalendar(tuple(sorted([*kept, schedule], key=lambda s: s.year)),
                               source=self.source)

    @classmethod
    def from_json(cls, raw: Any, *, source: str = "") -> CompanyCalendar:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("years", {}), Mapping):
            raise ScheduleError(['expected {"format": 1, "years": {"<year>": {...}}}'],
                                where=source)
        if raw.get("format", FORMAT) != FORMAT:
            raise ScheduleError([f"unknown format {raw.get('format')!r} (expected {FORMAT})"],
                                where=source)
        schedules = []
        for key, entry in raw.get("years", {}).items():
            if not str(key).isdigit():
                raise ScheduleError([f"year key {key!r} is not a year"], where=source)
            schedules.append(OfficialSchedule.from_json(int(key), entry))
        return cls(tuple(sorted(schedules, key=lambda s: s.year)), source=source)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "country": "CN", "about": ABOUT,
                "years": {str(s.year): s.to_json() for s in self.schedules}}

    @classmethod
    def load(cls, path: Path) -> CompanyCalendar:
        """Read and validate the file at ``path`` (ScheduleError names what is wrong)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScheduleError([f"no such file (check {ENV_VAR})"], where=str(path)) from None
        except json.JSONDecodeError as exc:
            raise ScheduleError([f"not JSON: {exc}"], where=str(path)) from None
        return cls.from_json(raw, source=str(path))


def calendar_file_path() -> Path:
    """Where the company calendar file is: ``AFTERSALES_CALENDAR_FILE`` or the shipped one.

    Read from the environment here, not from ``Settings``, because branch calendars are
    built from the branches file before any service's settings reach them.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    return Path(configured) if configured else DEFAULT_FILE


@lru_cache(maxsize=8)
def load_company_calendar(path: Path) -> CompanyCalendar:
    """The company calendar at ``path``, read once per process (a new file: restart)."""
    return CompanyCalendar.load(path)


# --- the notice as text -------------------------------------------------------------


def _day_range(text: str) -> tuple[date, date]:
    first, _, last = text.partition("..")
    return date.fromisoformat(first), date.fromisoformat(last or first)


def parse_notice(text: str, *, source: str = "notice") -> OfficialSchedule:
    """Read a notice typed as text (see the module docstring) into a validated schedule."""
    fields: dict[str, str] = {}
    holidays: list[Holiday] = []
    workdays: list[AdjustedWorkday] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if key in {"year", "notice", "url", "published"}:
                fields[key] = rest
            elif key == "holiday":
                span, _, name = rest.partition(" ")
                first, last = _day_range(span)
                holidays.append(Holiday(name=name.strip(), first=first, last=last))
            elif key == "workday":
                day, _, name = rest.partition(" ")
                workdays.append(AdjustedWorkday(day=date.fromisoformat(day), name=name.strip()))
            else:
                problems.append(f"line {number}: unknown key {key!r} (year, notice, url, "
                                "published, holiday, workday)")
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    if "year" not in fields or not fields["year"].isdigit():
        problems.append("the year is missing (a line 'year 2027')")
    if problems:
        raise ScheduleError(problems, where=source)
    published = fields.get("published")
    try:
        return OfficialSchedule(
            year=int(fields["year"]), notice=fields.get("notice", ""),
            holidays=tuple(holidays), workdays=tuple(workdays), url=fields.get("url", ""),
            published=date.fromisoformat(published) if published else None)
    except ScheduleError as exc:
        raise ScheduleError(exc.problems, where=source) from None
    except ValueError as exc:
        raise ScheduleError([str(exc)], where=source) from None
