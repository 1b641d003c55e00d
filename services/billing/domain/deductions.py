"""Penalty deductions against monthly efficiency bonuses (SPEC P6, P7).

Invariants enforced here:

- P6 shares: ``person_share`` rounds one person's share to cents (ROUND_HALF_UP);
  ``split_unit_loss`` splits a loss over a unit so the shares sum *exactly* to the loss:
  every share is rounded down to cents and the leftover cents go one each to the largest
  base-point holders (ties broken by person id, so the split is deterministic);
- P7 cap: in any month, everything scheduled (this penalty plus ``already_scheduled``
  from other penalties) is at most 50% of that month's bonus; the cap is rounded *down*
  to cents so it is never exceeded. What does not fit carries into the following months
  as instalments; a month with no bonus takes nothing; what is still unscheduled when the
  months run out is returned as ``unscheduled``, so instalments + unscheduled == owed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from services.billing.domain.money import exact_decimal
from shared.money import CENT, ZERO, parse_money, round_money
from shared.rules import RuleBroken

MONTHLY_CAP_SHARE = Decimal("0.5")  # P7: at most 50% of the month's efficiency bonus
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _points(value: Decimal | int, *, field: str) -> Decimal:
    points = exact_decimal(value, field=field, rule="P6")
    if points < 0:
        raise RuleBroken("base points must not be negative", field=field, rule="P6")
    return points


def person_share(
    *, loss: Decimal, unit_total_base_points: Decimal | int, person_base_points: Decimal | int
) -> Decimal:
    """Loss ÷ the unit's total base points × the person's base points, in cents (SPEC P6)."""
    amount = parse_money(loss, field="loss", rule="P6")
    total_points = _points(unit_total_base_points, field="unit_total_base_points")
    points = _points(person_base_points, field="person_base_points")
    if total_points == 0:
        raise RuleBroken("must be > 0", field="unit_total_base_points", rule="P6")
    if points > total_points:
        raise RuleBroken("exceeds the unit's total", field="person_base_points", rule="P6")
    return round_money(amount * points / total_points, rounding=ROUND_HALF_UP)


def split_unit_loss(loss: Decimal, points: Mapping[str, Decimal | int]) -> dict[str, Decimal]:
    """Every member's P6 share; the shares sum exactly to the loss (SPEC P6)."""
    amount = parse_money(loss, field="loss", rule="P6")
    weights = {person: _points(p, field=f"points[{person}]") for person, p in points.items()}
    total_points = sum(weights.values(), Decimal(0))
    if total_points == 0:
        raise RuleBroken("the unit has no base points", field="points", rule="P6")
    shares = {person: round_money(amount * w / total_points, rounding=ROUND_DOWN)
              for person, w in weights.items()}
    leftover_cents = int((amount - sum(shares.values(), ZERO)) / CENT)
    holders = sorted((p for p in weights if weights[p] > 0), key=lambda p: (-weights[p], p))
    for person in holders[:leftover_cents]:
        shares[person] += CENT
    return shares


class Instalment(NamedTuple):
    """An amount deducted from one month's bonus (SPEC P7)."""

    month: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DeductionSchedule:
    """Instalments by month plus what did not fit in the months given (SPEC P7)."""

    instalments: tuple[Instalment, ...]
    unscheduled: Decimal

    @property
    def scheduled(self) -> Decimal:
        """Sum of the instalments."""
        return sum((i.amount for i in self.instalments), ZERO)


def _check_month(month: str, field: str) -> str:
    if not isinstance(month, str) or not _MONTH.match(month):
        raise RuleBroken("month must be YYYY-MM", field=field, rule="P7")
    return month


def month_cap(bonus: Decimal) -> Decimal:
    """50% of a month's efficiency bonus, rounded down to cents (SPEC P7)."""
    return round_money(parse_money(bonus, field="bonus", rule="P7") * MONTHLY_CAP_SHARE,
                       rounding=ROUND_DOWN)


def schedule_deductions(
    *,
    owed: Decimal,
    bonuses: Iterable[tuple[str, Decimal]],
    already_scheduled: Mapping[str, Decimal] | None = None,
) -> DeductionSchedule:
    """Spread ``owed`` over months, each at most 50% of its bonus incl. other penalties (P7)."""
    remaining = parse_money(owed, field="owed", rule="P7")
    taken = {
        _check_month(month, "already_scheduled"): parse_money(
            amount, field=f"already_scheduled[{month}]", rule="P7"
        )
        for month, amount in (already_scheduled or {}).items()
    }
    months: dict[str, Decimal] = {}
    for index, (month, bonus) in enumerate(bonuses):
        _check_month(month, f"bonuses[{index}].month")
        if month in months:
            raise RuleBroken("repeated", field=f"bonuses[{index}].month", rule="P7")
        months[month] = parse_money(bonus, field=f"bonuses[{index}].bonus", rule="P7")
    instalments: list[Instalment] = []
    for month in sorted(months):
        if remaining == 0:
            break
        room = month_cap(months[month]) - taken.get(month, ZERO)
        amount = min(remaining, max(room, ZERO))
        if amount > 0:
            instalments.append(Instalment(month=month, amount=round_money(amount)))
            remaining -= amount
    return DeductionSchedule(instalments=tuple(instalments), unscheduled=remaining)


def check_month(month: str, field: str = "month") -> str:
    """``month`` if it is ``YYYY-MM``, else RuleBroken naming ``field`` (SPEC P7)."""
    return _check_month(month, field)


def next_month(month: str) -> str:
    """The month after ``month`` (``YYYY-MM``)."""
    year, mon = (int(p) for p in _check_month(month, "month").split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def first_deduction_month(decision_month: str) -> str:
    """Deductions start the month the notice is published: the one after the decision (P8).

    **[choice]** P8 publishes last month's decisions by the 10th, so the first instalment
    is taken from the bonus of the publication month.
    """
    return next_month(decision_month)


class Penalty(NamedTuple):
    """One person's penalty from a notice, owed from ``first_month`` on (SPEC P6, P8)."""

    key: str
    amount: Decimal
    first_month: str


def plan_person(
    penalties: Iterable[Penalty], bonuses: Mapping[str, Decimal]
) -> dict[str, DeductionSchedule]:
    """Every penalty's instalments over the recorded bonuses, oldest penalty first (P7).

    Penalties are scheduled in the order given; each one fills what room the earlier ones
    left in a month (``already_scheduled``), so no month ever exceeds its 50% cap.
    """
    taken: dict[str, Decimal] = {}
    plans: dict[str, DeductionSchedule] = {}
    for penalty in penalties:
        months = [(m, b) for m, b in sorted(bonuses.items()) if m >= penalty.first_month]
        plan = schedule_deductions(owed=penalty.amount, bonuses=months, already_scheduled=taken)
        for instalment in plan.instalments:
            taken[instalment.month] = taken.get(instalment.month, ZERO) + instalment.amount
        plans[penalty.key] = plan
    return plans
