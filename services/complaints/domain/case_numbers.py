"""Complaint case numbers `YYMMNN` (SPEC C8).

Two-digit year, two-digit month, then the serial within that month, zero-padded to two
digits and widening past 99 (`2611100` is November 2026's 100th case). The serial restarts
every month; the database keeps one counter per `month_key`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from shared.rules import RuleBroken

from .common import to_utc

RULE = "C8"
_CASE_NO = re.compile(r"^(\d{2})(\d{2})(\d{2,})$")


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise RuleBroken(f"{month} is not a month (1-12)", field="month", rule=RULE)


def format_case_no(year: int, month: int, serial: int) -> str:
    """Build the case number `YYMMNN` from a year, month and monthly serial (SPEC C8)."""
    if year < 0:
        raise RuleBroken("must not be negative", field="year", rule=RULE)
    _check_month(month)
    if serial < 1:
        raise RuleBroken("starts at 1 each month", field="serial", rule=RULE)
    return f"{year % 100:02d}{month:02d}{serial:02d}"


def parse_case_no(case_no: str) -> tuple[int, int, int]:
    """Split a case number into (two-digit year, month, serial) (SPEC C8)."""
    match = _CASE_NO.match(case_no.strip()) if isinstance(case_no, str) else None
    if match is None:
        raise RuleBroken(f"{case_no!r} is not YYMMNN", field="case_no", rule=RULE)
    yy, mm, serial = (int(part) for part in match.groups())
    if not 1 <= mm <= 12:
        raise RuleBroken(f"{case_no!r} has no month {mm}", field="case_no", rule=RULE)
    if serial < 1 or format_case_no(yy, mm, serial) != case_no.strip():
        raise RuleBroken(f"{case_no!r} has a malformed serial", field="case_no", rule=RULE)
    return yy, mm, serial


def month_key(dt: datetime, *, tz: tzinfo = UTC) -> str:
    """The `YYMM` counter key of the month `dt` falls in, read in zone `tz` (SPEC C8).

    [choice] UTC by default; pass the branch's zone to number by its local month.
    """
    local = to_utc(dt, rule=RULE, field="registered_at").astimezone(tz)
    return f"{local.year % 100:02d}{local.month:02d}"


def case_no_for(dt: datetime, serial: int, *, tz: tzinfo = UTC) -> str:
    """The case number for the `serial`-th case of the month `dt` falls in (SPEC C8)."""
    key = month_key(dt, tz=tz)
    return format_case_no(int(key[:2]), int(key[2:]), serial)


def next_serial(last_serial: int | None) -> int:
    """The serial after the month's last one; `None` (no case yet this month) gives 1 (SPEC C8)."""
    if last_serial is None:
        return 1
    if last_serial < 1:
        raise RuleBroken("a stored serial is at least 1", field="serial", rule=RULE)
    return last_serial + 1
