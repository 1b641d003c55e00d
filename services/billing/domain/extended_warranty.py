"""Extended warranty sold at retail with the appliance (SPEC E1–E4, seed part 3).

Price (E1) **[choice]**: a company file (``shared/reference/extended_warranty.json``, path
``AFTERSALES_BILLING_EXTENDED_WARRANTY_FILE``) gives, for a few product prices, the price
of each term 1..5 years; between two points the price is interpolated linearly, so the
price is continuous in the product price (no band edge where 4,000.00 and 4,000.01 cost
different amounts), then raised to the term's ``minimum`` and rounded half up to the
file's ``rounding`` quantum (default whole yuan). The shipped file is a straight rate per
term: 4.65 % / 8.80 % / 12.95 % / 17.05 % of the product price, which is the seed's example
for a 6,000 TV exactly (279 / 528 / 777 / 1,023); **[choice]** 5 years 21.15 % (1,269 for
6,000: the seed's yearly step of +246 continued), a minimum of the price of a 1,000 product
per term, and nothing sold for a product above the last point (50,000.00). This module
only validates and evaluates the rule; the file is read by ``service/warranties.py``.

Cover (E2/E3): unlimited repairs within the term; the whole unit, including damage from
supply-voltage surges and remote controls; replacement when a unit cannot be repaired.
**[choice]** misuse and accidental damage are not covered, nor consumables (filters,
bulbs, batteries): the seed's service guidance separates misuse from defects.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise
from typing import Any

from shared.money import parse_money, round_money
from shared.rules import RuleBroken

MIN_TERM_YEARS = 1
MAX_TERM_YEARS = 5  # seed part 3: "延保最長時間為5年"


class PriceRuleError(ValueError):
    """The company's price file is not a usable E1 rule (a configuration error)."""


def _decimal(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise PriceRuleError(f"{where}: {raw!r} is not a decimal") from exc
    if not value.is_finite() or value < 0:
        raise PriceRuleError(f"{where}: {raw!r} must be a non-negative amount")
    return value


def _prices(raw: Any, where: str) -> tuple[Decimal, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or len(raw) != MAX_TERM_YEARS:
        raise PriceRuleError(f"{where}: need one price per term 1..{MAX_TERM_YEARS}")
    prices = tuple(_decimal(p, f"{where}[{i}]") for i, p in enumerate(raw))
    if list(prices) != sorted(prices):
        raise PriceRuleError(f"{where}: prices must not fall as the term grows")
    return prices


@dataclass(frozen=True, slots=True)
class PricePoint:
    """The price of each term for a product sold at ``product_price`` (SPEC E1)."""

    product_price: Decimal
    prices: tuple[Decimal, ...]  # index 0 = 1 year … index 4 = 5 years


@dataclass(frozen=True, slots=True)
class PriceRule:
    """Piecewise-linear extended-warranty prices over the product price (SPEC E1)."""

    points: tuple[PricePoint, ...]
    minimum: tuple[Decimal, ...] = (Decimal(0),) * MAX_TERM_YEARS
    rounding: Decimal = Decimal(1)

    @property
    def max_product_price(self) -> Decimal:
        """The dearest product the rule prices; above it nothing is sold."""
        return self.points[-1].product_price

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> PriceRule:
        """Validate the company file's content (SPEC E1): points from 0 upwards, prices
        that rise with the term and never fall with the product price."""
        if not isinstance(raw, Mapping):
            raise PriceRuleError("the price rule must be an object")
        points_raw = raw.get("points")
        if not isinstance(points_raw, Sequence) or len(points_raw) < 2:
            raise PriceRuleError("points: give at least two price points")
        points = tuple(
            PricePoint(_decimal(p.get("product_price"), f"points[{i}].product_price"),
                       _prices(p.get("prices"), f"points[{i}].prices"))
            if isinstance(p, Mapping) else _bad_point(i)
            for i, p in enumerate(points_raw))
        if points[0].product_price != 0:
            raise PriceRuleError("points[0].product_price must be 0")
        for i, (low, high) in enumerate(pairwise(points)):
            if high.product_price <= low.product_price:
                raise PriceRuleError(f"points[{i + 1}]: product prices must rise")
            if any(h < lo for lo, h in zip(low.prices, high.prices, strict=True)):
                raise PriceRuleError(f"points[{i + 1}]: a dearer product must not cost less")
        minimum = _prices(raw.get("minimum", ["0"] * MAX_TERM_YEARS), "minimum")
        rounding = _decimal(raw.get("rounding", "1"), "rounding")
        if rounding not in (Decimal("0.01"), Decimal("0.1"), Decimal(1), Decimal(10)):
            raise PriceRuleError("rounding: one of 0.01, 0.1, 1, 10")
        return cls(points=points, minimum=minimum, rounding=rounding)


def _bad_point(index: int) -> PricePoint:
    raise PriceRuleError(f"points[{index}] must be an object")


def _check_years(years: int) -> int:
    if isinstance(years, bool) or not isinstance(years, int):
        raise RuleBroken("must be a whole number of years", field="years", rule="E1")
    if not MIN_TERM_YEARS <= years <= MAX_TERM_YEARS:
        raise RuleBroken("must be between 1 and 5", field="years", rule="E1")
    return years


def quote(*, product_price: Decimal, years: int, rule: PriceRule) -> Decimal:
    """Price of an extended warranty for a product price and term (SPEC E1): linear
    between the rule's points, at least the term's minimum, rounded half up."""
    term = _check_years(years)
    price = parse_money(product_price, field="product_price", rule="E1")
    if price <= 0:
        raise RuleBroken("must be greater than zero", field="product_price", rule="E1")
    if price > rule.max_product_price:
        raise RuleBroken(f"above {rule.max_product_price}, the dearest product the "
                         "extended-warranty price rule covers", field="product_price", rule="E1")
    low, high = next((a, b) for a, b in pairwise(rule.points)
                     if a.product_price <= price <= b.product_price)
    start, end = low.prices[term - 1], high.prices[term - 1]
    share = (price - low.product_price) / (high.product_price - low.product_price)
    exact = max(start + (end - start) * share, rule.minimum[term - 1])
    return round_money(exact.quantize(rule.rounding, rounding=ROUND_HALF_UP))


class Cause(StrEnum):
    """Why the unit failed (SPEC E3)."""

    DEFECT = "defect"
    WEAR = "wear"
    POWER_SURGE = "power_surge"
    MISUSE = "misuse"
    ACCIDENTAL_DAMAGE = "accidental_damage"


class Component(StrEnum):
    """Part of the appliance that failed (SPEC E3: whole-unit cover)."""

    MAIN_BOARD = "main_board"
    POWER_SUPPLY = "power_supply"
    DISPLAY = "display"
    COMPRESSOR = "compressor"
    MOTOR = "motor"
    CABINET = "cabinet"
    REMOTE_CONTROL = "remote_control"
    OTHER = "other"
    CONSUMABLE = "consumable"


class Remedy(StrEnum):
    """What the cover provides for a failure (SPEC E4)."""

    REPAIR = "repair"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class Cover:
    """What an extended warranty covers (SPEC E2–E4)."""

    max_repairs: int | None = None  # E2: unlimited repairs within the term
    covered_causes: frozenset[Cause] = frozenset({Cause.DEFECT, Cause.WEAR, Cause.POWER_SURGE})
    excluded_components: frozenset[Component] = frozenset({Component.CONSUMABLE})
    replace_when_unrepairable: bool = True  # E4


STANDARD_COVER = Cover()


def covers(
    *, component: Component | str, cause: Cause | str, cover: Cover = STANDARD_COVER
) -> bool:
    """Whole-unit cover incl. power-surge damage and remote controls (SPEC E3)."""
    try:
        part, why = Component(component), Cause(cause)
    except ValueError as exc:
        raise RuleBroken(str(exc), field="component/cause", rule="E3") from exc
    return part not in cover.excluded_components and why in cover.covered_causes


def refusal_reason(
    *, component: Component | str | None, cause: Cause | str | None,
    cover: Cover = STANDARD_COVER,
) -> str | None:
    """Why the cover does not pay for this failure, or None when it does (SPEC E3).

    ``misuse`` / ``accidental_damage`` (a cause outside the cover) or
    ``component:<part>`` (a part outside it). A completion that names neither is not
    refused: cover is the contract's promise, so only a finding takes it away.
    """
    if component is None and cause is None:
        return None
    if cause is not None and not covers(component=component or Component.OTHER, cause=cause,
                                        cover=cover):
        why = Cause(cause)
        if why not in cover.covered_causes:
            return why.value
    if component is not None and Component(component) in cover.excluded_components:
        return f"component:{Component(component).value}"
    return None


def remedy(*, repairable: bool, cover: Cover = STANDARD_COVER) -> Remedy:
    """Repair when possible, else replace the unit (SPEC E4)."""
    if repairable or not cover.replace_when_unrepairable:
        return Remedy.REPAIR
    return Remedy.REPLACE


def _anniversary(start: date, years: int) -> date:
    """``start`` moved ``years`` on; 29 February lands on 1 March in a common year."""
    year = start.year + years
    if start.month == 2 and start.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return start.replace(year=year)


def warranty_window(maker_warranty_ends_on: date, years: int) -> tuple[date, date]:
    """(starts_on, ends_on), both inclusive; starts the day after the maker's ends (SPEC E1)."""
    term = _check_years(years)
    starts_on = maker_warranty_ends_on + timedelta(days=1)
    return starts_on, _anniversary(starts_on, term) - timedelta(days=1)
