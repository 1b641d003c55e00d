"""Pricing penalty decisions and scheduling their deductions (SPEC P3, P6, P7).

Invariants enforced here:

- P6 shares: ``split_unit_loss`` splits a unit's loss share over its members by base
  points (loss ÷ the unit's total points × the person's points) so the shares sum
  *exactly* to the loss: each share is rounded down to cents and the leftover cents go one
  each to the largest base-point holders (ties by person id: deterministic);
- P3: a warning deducts at least 400, a minor demerit at least 800 per base point (a
  stated amount below that is raised to it), a major demerit the whole efficiency bonus
  of the decision's month; administrative deductions are outside the P7 cap;
- P7: in any month the economic deductions are at most 50% of that month's bonus (the
  cap rounded *down*, never exceeded) and never more than what administrative deductions
  left of the bonus [choice]; what does not fit carries into the following months;
- month close: ``plan`` never touches a closed month; what a charge still owes after the
  closed months is scheduled from the earliest open month, and a reversed charge's closed
  deductions are repaid there (a negative entry).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal, NamedTuple

from services.billing.domain.money import exact_decimal
from shared.money import CENT, ZERO, parse_money, round_money
from shared.rules import RuleBroken

MONTHLY_CAP_SHARE = Decimal("0.5")  # P7: at most 50% of the month's efficiency bonus
WARNING_MIN = Decimal("400.00")  # P3: a warning deducts at least 400
MINOR_PER_BASE = Decimal("800.00")  # P3: a minor demerit, at least 800 per base point
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

ChargeKind = Literal["economic", "administrative", "major"]


def _points(value: Decimal | int, *, field: str) -> Decimal:
    points = exact_decimal(value, field=field, rule="P6")
    if points < 0:
        raise RuleBroken("base points must not be negative", field=field, rule="P6")
    return points


def split_unit_loss(loss: Decimal, points: Mapping[str, Decimal | int]) -> dict[str, Decimal]:
    """Every member's P6 share; the shares sum exactly to the loss (SPEC P6)."""
    amount = parse_money(loss, field="loss", rule="P6")
    weights = {person: _points(p, field=f"points[{person}]") for person, p in points.items()}
    total_points = sum(weights.values(), Decimal(0))
    if total_points == 0:
        raise RuleBroken("the unit has no members with base points in the register",
                         field="unit", rule="P6")
    shares = {person: round_money(amount * w / total_points, rounding=ROUND_DOWN)
              for person, w in weights.items()}
    leftover_cents = int((amount - sum(shares.values(), ZERO)) / CENT)
    holders = sorted((p for p in weights if weights[p] > 0), key=lambda p: (-weights[p], p))
    for person in holders[:leftover_cents]:
        shares[person] += CENT
    return shares


def admin_amount(grade: str, *, base_points: Decimal | None,
                 stated: Decimal | None) -> Decimal | None:
    """What a warning or minor demerit deducts; None for a major demerit (SPEC P3)."""
    if grade == "major_demerit":
        return None  # the whole bonus of the decision's month, known from the register
    if grade == "warning":
        return max(stated or ZERO, WARNING_MIN)
    if grade == "minor_demerit":
        if base_points is None or base_points <= 0:
            raise RuleBroken("the person has no base points in the register",
                             field="person_id", rule="P3")
        minimum = round_money(MINOR_PER_BASE * base_points)
        return max(stated or ZERO, minimum)
    raise RuleBroken(f"unknown grade {grade!r}", field="grade", rule="P3")


def _check_month(month: str, field: str) -> str:
    if not isinstance(month, str) or not _MONTH.match(month):
        raise RuleBroken("month must be YYYY-MM", field=field, rule="P7")
    return month


def check_month(month: str, field: str = "month") -> str:
    """``month`` if it is ``YYYY-MM``, else RuleBroken naming ``field`` (SPEC P7)."""
    return _check_month(month, field)


def next_month(month: str) -> str:
    """The month after ``month`` (``YYYY-MM``)."""
    year, mon = (int(p) for p in _check_month(month, "month").split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def month_cap(bonus: Decimal) -> Decimal:
    """50% of a month's efficiency bonus, rounded down to cents (SPEC P7)."""
    return round_money(parse_money(bonus, field="bonus", rule="P7") * MONTHLY_CAP_SHARE,
                       rounding=ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class Owed:
    """One charge as the planner sees it (SPEC P3, P7).

    ``closed`` is what closed months already took for it; ``reverses`` names the charge a
    reversal cancels, ``reversed`` says this charge was cancelled by a later correction.
    """

    id: int
    kind: ChargeKind
    month: str
    amount: Decimal | None
    closed: Decimal = ZERO
    reverses: int | None = None
    reversed: bool = False


class Entry(NamedTuple):
    """An amount taken from one month's bonus for one charge (negative: repaid)."""

    charge_id: int
    month: str
    amount: Decimal


def owed_amount(charge: Owed, bonuses: Mapping[str, Decimal]) -> Decimal | None:
    """A charge's amount; a major demerit's is its month's bonus, once recorded (P3)."""
    if charge.kind == "major" and charge.amount is None:
        return bonuses.get(charge.month)
    return charge.amount


def plan(
    charges: Iterable[Owed], bonuses: Mapping[str, Decimal], *, open_from: str | None
) -> list[Entry]:
    """The schedule of the open months (from ``open_from``; all when nothing is closed).

    Administrative and major charges are taken whole in their month (or the earliest open
    one), outside the cap; economic ones fill each month's P7 room in order (decision
    month, then charge id) and carry what does not fit. Months without a recorded bonus
    take no economic deduction.
    """
    items = sorted(charges, key=lambda c: (c.month, c.id))
    closed_of = {c.id: c.closed for c in items}
    entries: list[Entry] = []

    def start(month: str) -> str:
        return max(month, open_from) if open_from else month

    admin_taken: dict[str, Decimal] = {}
    for c in items:
        if c.reverses is not None:
            repaid = closed_of.get(c.reverses, ZERO) + c.closed
            if open_from and repaid:
                entries.append(Entry(c.id, start(c.month), -repaid))
            continue
        if c.reversed or c.kind == "economic":
            continue
        amount = owed_amount(c, bonuses)
        if amount is None:
            continue  # a major demerit before its month's bonus is recorded
        left = amount - c.closed
        if left:
            month = start(c.month)
            entries.append(Entry(c.id, month, left))
            admin_taken[month] = admin_taken.get(month, ZERO) + left
    months = sorted(m for m in bonuses if not open_from or m >= open_from)
    econ_taken: dict[str, Decimal] = {}
    for c in items:
        if c.kind != "economic" or c.reversed or c.reverses is not None or c.amount is None:
            continue
        left = c.amount - c.closed
        for month in months:
            if left <= 0:
                break
            if month < start(c.month):
                continue
            bonus = bonuses[month]
            taken = econ_taken.get(month, ZERO)
            room = min(month_cap(bonus) - taken, bonus - admin_taken.get(month, ZERO) - taken)
            amount = min(left, max(room, ZERO))
            if amount > 0:
                entries.append(Entry(c.id, month, amount))
                econ_taken[month] = taken + amount
                left -= amount
    return entries
