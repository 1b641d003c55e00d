"""Extended warranty sold at retail with the appliance (SPEC E1–E4, seed part 3).

Price **[choice]**: a flat price per product price band and term (1..5 years), read from a
configurable :class:`PriceTable`. The default band 4,000.01–8,000.00 reproduces the seed's
example for a 6,000 TV exactly (279 / 528 / 777 / 1,023 for 1–4 years); its 5-year price
1,269.00 continues the seed's yearly step (+246). The other bands scale that row by
0.25 / 0.4 / 0.6 / 1.6 / 2.5 / 4 and round to whole yuan. Prices above 50,000.00 have no
band and are refused (extend the table to sell cover for them).

Cover (E2/E3): unlimited repairs within the term; the whole unit, including damage from
supply-voltage surges and remote controls; replacement when a unit cannot be repaired.
**[choice]** misuse and accidental damage are not covered, nor consumables (filters,
bulbs, batteries): the seed's service guidance separates misuse from defects.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.money import parse_money
from shared.rules import RuleBroken

MIN_TERM_YEARS = 1
MAX_TERM_YEARS = 5  # seed part 3: "延保最長時間為5年"


@dataclass(frozen=True, slots=True)
class PriceBand:
    """Prices for products priced in ``(lower_exclusive, upper_inclusive]`` (SPEC E1)."""

    lower_exclusive: Decimal
    upper_inclusive: Decimal
    prices: tuple[Decimal, ...]  # index 0 = 1 year … index 4 = 5 years

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.lower_exclusive < self.upper_inclusive:
            raise RuleBroken("band bounds out of order", field="bands", rule="E1")
        if len(self.prices) != MAX_TERM_YEARS:
            raise RuleBroken("need one price per term 1..5", field="bands", rule="E1")
        if any(p <= 0 for p in self.prices) or list(self.prices) != sorted(set(self.prices)):
            raise RuleBroken("prices must rise with the term", field="bands", rule="E1")
        prices = tuple(parse_money(p, field="bands", rule="E1") for p in self.prices)
        object.__setattr__(self, "prices", prices)

    def contains(self, product_price: Decimal) -> bool:
        """Whether ``product_price`` falls in this band (SPEC E1)."""
        return self.lower_exclusive < product_price <= self.upper_inclusive


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Contiguous price bands, cheapest first (SPEC E1) [choice: configurable]."""

    bands: tuple[PriceBand, ...]

    def __post_init__(self) -> None:
        if not self.bands or self.bands[0].lower_exclusive != 0:
            raise RuleBroken("first band must start at 0", field="bands", rule="E1")
        for lower, upper in zip(self.bands, self.bands[1:], strict=False):
            if lower.upper_inclusive != upper.lower_exclusive:
                raise RuleBroken("bands must be contiguous", field="bands", rule="E1")

    def band_for(self, product_price: Decimal) -> PriceBand:
        """The band holding ``product_price``; refused above the top band (SPEC E1)."""
        for band in self.bands:
            if band.contains(product_price):
                return band
        raise RuleBroken("no extended-warranty price band covers it",
                         field="product_price", rule="E1")


def _band(lower: str, upper: str, *prices: str) -> PriceBand:
    return PriceBand(Decimal(lower), Decimal(upper), tuple(Decimal(p) for p in prices))


DEFAULT_TABLE = PriceTable(
    bands=(
        _band("0", "1000.00", "70", "132", "194", "256", "317"),
        _band("1000.00", "2000.00", "112", "211", "311", "409", "508"),
        _band("2000.00", "4000.00", "167", "317", "466", "614", "761"),
        _band("4000.00", "8000.00", "279", "528", "777", "1023", "1269"),  # seed example
        _band("8000.00", "15000.00", "446", "845", "1243", "1637", "2030"),
        _band("15000.00", "30000.00", "698", "1320", "1943", "2558", "3173"),
        _band("30000.00", "50000.00", "1116", "2112", "3108", "4092", "5076"),
    )
)


def _check_years(years: int) -> int:
    if isinstance(years, bool) or not isinstance(years, int):
        raise RuleBroken("must be a whole number of years", field="years", rule="E1")
    if not MIN_TERM_YEARS <= years <= MAX_TERM_YEARS:
        raise RuleBroken("must be between 1 and 5", field="years", rule="E1")
    return years


def quote(*, product_price: Decimal, years: int, table: PriceTable = DEFAULT_TABLE) -> Decimal:
    """Price of an extended warranty by product price band and term (SPEC E1)."""
    term = _check_years(years)
    price = parse_money(product_price, field="product_price", rule="E1")
    if price <= 0:
        raise RuleBroken("must be greater than zero", field="product_price", rule="E1")
    return table.band_for(price).prices[term - 1]


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
