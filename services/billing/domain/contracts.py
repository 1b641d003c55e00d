"""Maintenance contracts: term, fee and the expiry notice (SPEC S6 B, S20).

Invariants enforced here:

- a contract's term is ``starts_on ≤ ends_on`` (both inclusive) and at most
  ``MAX_CONTRACT_YEARS`` long **[choice]**; its fee is exact money, never negative;
- S20: the expiry notice falls due one calendar month before ``ends_on``; when that month
  is shorter (31 March → 28/29 February) the notice falls on the month's last day, so it is
  never later than one month before the end.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from shared.money import parse_money
from shared.rules import RuleBroken

MAX_CONTRACT_YEARS = 10  # [choice] a longer term is almost certainly a typing error


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def check_term(*, starts_on: date, ends_on: date) -> None:
    """A contract runs from ``starts_on`` to ``ends_on`` inclusive (SPEC S6 B)."""
    if ends_on < starts_on:
        raise RuleBroken("must not be before starts_on", field="ends_on", rule="S6")
    if ends_on.year - starts_on.year > MAX_CONTRACT_YEARS:
        raise RuleBroken(f"term longer than {MAX_CONTRACT_YEARS} years", field="ends_on", rule="S6")


def contract_fee(fee: Decimal | str | int) -> Decimal:
    """The contract fee in cents; refused when negative (SPEC S6 B)."""
    return parse_money(fee, field="fee", rule="S6")


def expiry_notice_date(ends_on: date) -> date:
    """The day the expiry notice is due: one month before the contract ends (SPEC S20)."""
    return months_before(ends_on, 1)


def covers_on(*, starts_on: date, ends_on: date, day: date) -> bool:
    """Whether the contract covers ``day`` (both ends inclusive, SPEC S6 B)."""
    return starts_on <= day <= ends_on
