"""Monthly complaint statistics (客戶投訴案件統計表) (SPEC C9.10, C5).

By the 10th of each month the GM office summarises last month's closed cases: counts per
classification, and per responsible unit a count, its share and the loss booked to it.

Invariant: unit shares are percentages with two places that sum to exactly 100.00
(largest-remainder rounding; ties go to the larger count, then the unit name).
[choice] Cases with no responsible unit (e.g. found not valid) are counted per
classification and as `unattributed`, but take no share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from fractions import Fraction

from shared.money import ZERO, parse_money
from shared.rules import RuleBroken

from .common import CLASSIFICATIONS

RULE = "C9.10"
STATISTICS_DAY = 10  # C9.10: summarised by the 10th of the following month
_BASIS_POINTS = 10_000  # 100.00 % in hundredths of a percent


@dataclass(frozen=True, slots=True)
class ClosedCase:
    """What the statistics need from one closed case (SPEC C9.10)."""

    case_no: str
    classification: str
    responsible_unit: str | None
    loss_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class UnitShare:
    """One responsible unit's line: cases, share of attributed cases (%), loss."""

    unit: str
    count: int
    share: Decimal
    loss: Decimal


@dataclass(frozen=True, slots=True)
class ComplaintStatistics:
    """The month's table (SPEC C9.10)."""

    month: str
    total: int
    by_classification: dict[str, int]
    by_unit: tuple[UnitShare, ...]
    unattributed: int
    total_loss: Decimal


def parse_month(month: str) -> tuple[int, int]:
    """Split `YYYY-MM` into (year, month) (CONTRACT: GET /statistics?month=)."""
    try:
        year_s, month_s = month.split("-")
        year, mon = int(year_s), int(month_s)
    except (AttributeError, ValueError):
        raise RuleBroken(f"{month!r} is not YYYY-MM", field="month", rule=RULE) from None
    if len(year_s) != 4 or len(month_s) != 2 or not 1 <= mon <= 12:
        raise RuleBroken(f"{month!r} is not YYYY-MM", field="month", rule=RULE)
    return year, mon


def percentage_shares(weights: Mapping[str, int | Decimal]) -> dict[str, Decimal]:
    """Shares of 100.00 % in proportion to `weights`, summing exactly (largest remainder)."""
    if any(w < 0 for w in weights.values()):
        raise RuleBroken("must not be negative", field="weights", rule=RULE)
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if total == 0:
        return {key: ZERO for key in weights}
    exact = {key: Fraction(w) * _BASIS_POINTS / total for key, w in weights.items()}
    units = {key: value.numerator // value.denominator for key, value in exact.items()}
    leftover = _BASIS_POINTS - sum(units.values())
    order = sorted(weights, key=lambda k: (-(exact[k] - units[k]), -Fraction(weights[k]), k))
    for key in order[:leftover]:
        units[key] += 1
    return {key: (Decimal(units[key]) / 100).quantize(Decimal("0.01")) for key in weights}


def complaint_statistics(cases: Iterable[ClosedCase], *, month: str) -> ComplaintStatistics:
    """Summarise a month's closed cases per classification and responsible unit (C9.10)."""
    parse_month(month)
    by_class: Counter[str] = Counter({c: 0 for c in CLASSIFICATIONS})
    counts: Counter[str] = Counter()
    losses: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    total = unattributed = 0
    total_loss = ZERO
    for case in cases:
        if case.classification not in CLASSIFICATIONS:
            raise RuleBroken(
                f"{case.case_no}: unknown classification", field="classification", rule="C5",
            )
        loss = parse_money(case.loss_amount, field="loss_amount", rule=RULE)
        total += 1
        total_loss += loss
        by_class[case.classification] += 1
        if case.responsible_unit is None:
            unattributed += 1
            continue
        counts[case.responsible_unit] += 1
        losses[case.responsible_unit] += loss
    shares = percentage_shares(counts)
    units = sorted(counts, key=lambda unit: (-counts[unit], unit))
    return ComplaintStatistics(
        month=month,
        total=total,
        by_classification=dict(by_class),
        by_unit=tuple(UnitShare(u, counts[u], shares[u], losses[u]) for u in units),
        unattributed=unattributed,
        total_loss=total_loss,
    )


def statistics_due_on(month: str) -> date:
    """The day the month's table is due: the 10th of the following month (SPEC C9.10)."""
    year, mon = parse_month(month)
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return date(year, mon, STATISTICS_DAY)


def statistics_final(month: str, today: date) -> bool:
    """True on or after the 10th of the next month, when the table is final (SPEC C9.10)."""
    return today >= statistics_due_on(month)


def month_bounds(month: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The month as [start, end) in UTC, its days read in zone `tz` (SPEC C9.10, P8)."""
    year, mon = parse_month(month)
    start = datetime.combine(date(year, mon, 1), time(0), tzinfo=tz)
    end = datetime.combine(statistics_due_on(month).replace(day=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
