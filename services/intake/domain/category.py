"""Service category of a call and its voucher number (SPEC S6, S8), free of I/O.

S6: a call's service category is decided from the customer file at the moment of the
call: C (free) inside the maker's warranty, B under a maintenance contract or an
extended warranty, A (paid) otherwise. D is never created by a call.
"""

from __future__ import annotations

import calendar as _month_calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ServiceCategory(StrEnum):
    """SPEC S6: A paid, B contract, C free warranty, D internal admin work.

    Deliberately per service: intake decides the category, billing prices by it, and each
    keeps its own reading of it. Between services it travels as the string in the events
    (``CallRegistered.category``), so this enum is not a shared contract.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"


@dataclass(frozen=True)
class Cover:
    """A maintenance contract or extended warranty over a product for a date range."""

    kind: str  # "contract" | "extended_warranty"
    starts_on: date
    ends_on: date

    def covers(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on


def warranty_ends_on(purchased_on: date, warranty_months: int) -> date:
    """The last day of the maker's warranty: the day before the same date N months on."""
    if warranty_months < 0:
        raise ValueError("warranty_months must not be negative")
    if warranty_months == 0:
        return purchased_on
    months = purchased_on.month - 1 + warranty_months
    year, month = purchased_on.year + months // 12, months % 12 + 1
    day = min(purchased_on.day, _month_calendar.monthrange(year, month)[1])
    return date.fromordinal(date(year, month, day).toordinal() - 1)


def extended_warranty_cover(maker_warranty_ends_on: date, years: int) -> tuple[date, date]:
    """SPEC E1: an extended warranty's (starts_on, ends_on), both inclusive.

    It starts the day after the maker's warranty ends and runs ``years`` (1 to 5) years;
    a term starting on 29 February ends on the last day of February in a common year.
    Billing computes the same window for the contract it opens; intake computes it
    itself from the sale so a call right after the sale is B at once (S6), without
    waiting for billing's ``CoverGranted``.
    """
    if not 1 <= years <= 5:
        raise ValueError("an extended warranty runs 1 to 5 years (SPEC E1)")
    starts_on = maker_warranty_ends_on + timedelta(days=1)
    year = starts_on.year + years
    if (starts_on.month, starts_on.day) == (2, 29) and not _month_calendar.isleap(year):
        anniversary = date(year, 3, 1)
    else:
        anniversary = starts_on.replace(year=year)
    return starts_on, anniversary - timedelta(days=1)


def decide_category(
    *, on: date, warranty_ends: date | None, covers: Iterable[Cover]
) -> ServiceCategory:
    """SPEC S6: C inside the maker's warranty, B under a contract/extended warranty, else A."""
    if warranty_ends is not None and on <= warranty_ends:
        return ServiceCategory.C
    if any(c.covers(on) for c in covers):
        return ServiceCategory.B
    return ServiceCategory.A


def voucher_no(branch: str, call_id: int) -> str:
    """The service voucher's number: branch code and the call's register number."""
    return f"{branch}-V{call_id:06d}"
