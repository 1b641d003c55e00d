"""``aftersales calendar``: load the State Council's holiday notice the day it is published
(SPEC S19, docs/rules.md "Calendar data").

- ``import NOTICE [--replace]`` validates a notice (text or JSON, see
  ``shared.calendar_file``) and writes it into the company calendar file;
- ``show YEAR`` prints the year's days off and adjusted working days and where they come
  from (package, company file, or degraded);
- ``check`` exits 1 when this year or the next has no official schedule (for a monitor).

``--file`` names the company calendar file (default ``AFTERSALES_CALENDAR_FILE``, else
``shared/reference/calendar/CN.json``). Services read it at start: restart them after an
import.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import holidays

from shared.calendar import ChinaSchedules, WorkingCalendar
from shared.calendar_file import (
    CompanyCalendar,
    OfficialSchedule,
    ScheduleError,
    calendar_file_path,
    parse_notice,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", type=Path, default=None,
                        help="company calendar file (default: AFTERSALES_CALENDAR_FILE, "
                             "else shared/reference/calendar/CN.json)")
    sub = parser.add_subparsers(dest="calendar_command", required=True)
    imp = sub.add_parser("import", help="load a published holiday notice into the file")
    imp.add_argument("notice", type=Path, help="the notice as text or JSON")
    imp.add_argument("--replace", action="store_true",
                     help="replace a different schedule already in the file for that year")
    show = sub.add_parser("show", help="print one year's days and where they come from")
    show.add_argument("year", type=int)
    sub.add_parser("check", help="exit 1 when this year or the next has no official schedule")


def run(args: argparse.Namespace) -> int:
    path: Path = args.file or calendar_file_path()
    try:
        if args.calendar_command == "import":
            return import_notice(args.notice, path, replace=args.replace)
        if args.calendar_command == "show":
            return show(args.year, path)
        return check(path, datetime.now(UTC))
    except ScheduleError as exc:
        print(f"refused: {exc}")
        return 1
    except OSError as exc:  # a notice or calendar file that cannot be read or written
        print(f"refused: {exc}")
        return 1


def read_notice(notice: Path) -> list[OfficialSchedule]:
    """The schedules in a notice file: text, one year's JSON entry with ``year``, or a
    whole company calendar file."""
    text = notice.read_text(encoding="utf-8")
    if notice.suffix.lower() != ".json":
        return [parse_notice(text, source=str(notice))]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleError([f"not JSON: {exc}"], where=str(notice)) from None
    if isinstance(raw, dict) and "years" in raw:
        return list(CompanyCalendar.from_json(raw, source=str(notice)).schedules)
    if not isinstance(raw, dict) or not str(raw.get("year", "")).isdigit():
        raise ScheduleError(['expected {"year": 2027, "notice": ..., "holidays": [...]}'],
                            where=str(notice))
    return [OfficialSchedule.from_json(int(raw["year"]), raw)]


def _load(path: Path) -> CompanyCalendar:
    return CompanyCalendar.load(path) if path.exists() else CompanyCalendar(source=str(path))


def _write(path: Path, calendar: CompanyCalendar) -> None:
    """Write the whole file at once (a service starting meanwhile reads old or new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(calendar.to_json(), ensure_ascii=False, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def statutory_days_missing(schedule: OfficialSchedule) -> list[str]:
    """Statutory public holidays (as ``holidays`` computes them) the notice leaves
    working: usually a typo in the notice file, so the import warns."""
    off = schedule.days_off()
    statutory = holidays.China(years=schedule.year, observed=False)
    return [f"{d} ({name})" for d, name in sorted(statutory.items()) if d not in off]


def import_notice(notice: Path, path: Path, *, replace: bool = False) -> int:
    """Validate ``notice`` and write its years into the company calendar at ``path``."""
    calendar = _load(path)
    changed = False
    for schedule in read_notice(notice):
        existing = calendar.get(schedule.year)
        if existing == schedule:
            print(f"{schedule.year}: already in {path}, unchanged")
            continue
        if existing is not None and not replace:
            print(f"refused: {path} already holds {schedule.year} from {existing.notice!r}; "
                  "pass --replace to replace it")
            return 1
        for missing in statutory_days_missing(schedule):
            print(f"warning: {schedule.year}: statutory holiday {missing} is not a day off "
                  "in this notice; check the file")
        if ChinaSchedules().year(schedule.year).official:
            print(f"note: the installed chinese_calendar covers {schedule.year}; it wins "
                  "over the company file for that year")
        calendar = calendar.with_schedule(schedule)
        changed = True
        print(f"{schedule.year}: {len(schedule.holidays)} holidays "
              f"({len(schedule.days_off())} days off), {len(schedule.workdays)} adjusted "
              f"working days, from {schedule.notice}")
    if changed:
        _write(path, calendar)
        print(f"written to {path}; restart the services to use it")
    return 0


def show(year: int, path: Path) -> int:
    """Print ``year``'s days off and adjusted working days and where they come from."""
    days = ChinaSchedules(_load(path)).year(year)
    print(f"{year}: {'official' if days.official else 'NOT OFFICIAL (degraded)'}, "
          f"from {days.source}")
    if not days.official:
        print("  deadlines reaching this year are provisional; load the notice with "
              "`aftersales calendar import <notice-file>`")
    print("  days off:")
    for d in sorted(days.days_off):
        print(f"    {d} {d:%a} {days.names.get(d, '')}".rstrip())
    print("  adjusted working days:")
    for d in sorted(days.workdays):
        print(f"    {d} {d:%a} {days.names.get(d, '')}".rstrip())
    if not days.workdays:
        print("    (none)")
    return 0


def check(path: Path, now: datetime) -> int:
    """Exit status 1 when this year or the next (China's time) has no official schedule."""
    cal = WorkingCalendar(schedules=ChinaSchedules(_load(path)))
    year = now.astimezone(cal.tz).year
    missing = cal.unofficial_years((year, year + 1))
    if missing:
        print(f"degraded: no official holiday schedule for {', '.join(map(str, missing))}")
        return 1
    print(f"ok: {year} and {year + 1} have official holiday schedules")
    return 0
