"""Request field types that validate at the edge, so no bad value reaches a rule or a
database (a clear 422 naming the field instead of a 500).

- ``RecordId``: a strict integer id within the databases' INTEGER range (PostgreSQL's
  is signed 32-bit). ``PathId`` is the same for a path parameter (404 if out of range,
  because such a record cannot exist).
- ``Count``: a strict non-negative integer (quantities, minutes).
- ``Text`` / ``ShortText`` / ``Code``: text without NUL or other control characters
  (a tab or a newline is allowed in free text only), trimmed, bounded in length.
- ``PastInstant`` / ``PastDate``: things that already happened, from ``EARLIEST``;
  whether they lie in the future is judged by the use case against its clock (see
  :func:`check_happened`), because "now" is the clock's, not the validator's.
- ``FutureDate``: a promised date, checked against ``HORIZON_DAYS`` by the use case.
- ``Month`` / ``MONTH_PATTERN``: a month ``YYYY-MM`` from 2000 (as a query parameter:
  ``Query(pattern=MONTH_PATTERN)``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field, StringConstraints

from .claimed import CLOCK_SKEW, EARLIEST
from .rules import RuleBroken

INT_MAX = 2**31 - 1
# [choice] Nothing is promised more than a year ahead.
HORIZON_DAYS = 366

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")


def _free_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value.strip()


def _line(value: str) -> str:
    if _CONTROL_LINE.search(value):
        raise ValueError("must not contain control characters or line breaks")
    return value.strip()


def _after_earliest_instant(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must carry a UTC offset, e.g. 2026-12-01T09:30:00+08:00")
    if value.year > 9000:  # keeps later arithmetic (calendars, + days) from overflowing
        raise ValueError("is not a plausible time")
    # Years 1 and 9999 overflow in astimezone: refuse them before converting.
    if value.year < EARLIEST.year - 1 or value.astimezone(UTC).date() < EARLIEST:
        raise ValueError(f"must not be before {EARLIEST.isoformat()}")
    return value.astimezone(UTC)


def _after_earliest_date(value: date) -> date:
    if value < EARLIEST:
        raise ValueError(f"must not be before {EARLIEST.isoformat()}")
    if value.year > 9000:
        raise ValueError("is not a plausible date")
    return value


RecordId = Annotated[int, Field(strict=True, ge=1, le=INT_MAX)]
PathId = Annotated[int, Path(ge=1, le=INT_MAX)]
Count = Annotated[int, Field(strict=True, ge=0, le=INT_MAX)]
Text = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_free_text)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200),
                      AfterValidator(_line)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                        pattern=r"^[A-Za-z0-9_.:\-]+$")]
# A calendar month "YYYY-MM" of a report, a statistic or a deduction, from 2000 on.
MONTH_PATTERN = r"^(2\d{3}|[3-8]\d{3})-(0[1-9]|1[0-2])$"
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]
PastInstant = Annotated[datetime, AfterValidator(_after_earliest_instant)]
PastDate = Annotated[date, AfterValidator(_after_earliest_date)]
FutureDate = Annotated[date, AfterValidator(_after_earliest_date)]


def check_happened(at: datetime, *, now: datetime, field: str, rule: str | None = None,
                   what: str = "the time") -> datetime:
    """``at`` if it is not after ``now`` (plus a device's clock skew), else 422."""
    if at > now + CLOCK_SKEW:
        raise RuleBroken(f"{what} {at.isoformat()} lies in the future", field=field, rule=rule)
    if at.astimezone(UTC).date() < EARLIEST:
        raise RuleBroken(f"{what} is before {EARLIEST.isoformat()}", field=field, rule=rule)
    return at


def check_happened_on(day: date, *, today: date, field: str, rule: str | None = None,
                      what: str = "the date") -> date:
    """``day`` if it is neither after ``today`` nor before ``EARLIEST``, else 422."""
    if day > today:
        raise RuleBroken(f"{what} {day.isoformat()} lies in the future", field=field, rule=rule)
    if day < EARLIEST:
        raise RuleBroken(f"{what} is before {EARLIEST.isoformat()}", field=field, rule=rule)
    return day


def check_promised(day: date, *, today: date, field: str, rule: str | None = None,
                   what: str = "the promised date") -> date:
    """``day`` if it lies between ``today`` and the horizon, else 422."""
    if day < today:
        raise RuleBroken(f"{what} {day.isoformat()} has passed", field=field, rule=rule)
    if day > today + timedelta(days=HORIZON_DAYS):
        raise RuleBroken(f"{what} is more than {HORIZON_DAYS} days ahead", field=field,
                         rule=rule)
    return day


# --- A customer's e-mail address and letter language (issue 14: letters to customers) ---
# email-validator is not installed, so the check is strict and simple: one "@", a local
# part of the usual unquoted characters, a dotted domain with a 2+ letter top level; no
# spaces, quotes, comments or IP literals. The domain is lower-cased (it is
# case-insensitive); the local part is kept as written (it may not be).
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("is not an e-mail address (name@example.com)")
    local, _, domain = value.rpartition("@")
    if len(local) > 64:
        raise ValueError("is not an e-mail address (the part before @ is too long)")
    return f"{local}@{domain.lower()}"


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email)]
LetterLanguage = Annotated[str, StringConstraints(pattern=r"^(zh-Hans|zh-Hant|en)$")]
