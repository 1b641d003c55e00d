"""Value rules shared by the complaints domain: roles, markets, money and UTC times.

Invariants: money is `Decimal` with exactly two places (SPEC §8); times are aware and
converted to UTC (SPEC §8). Floats are refused for money: they cannot hold cents exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

from .errors import DomainError

Market = Literal["domestic", "foreign"]
MARKETS: tuple[Market, ...] = ("domestic", "foreign")

# CONTRACT.md "Roles": the only role names a workflow definition may use.
ROLES: frozenset[str] = frozenset(
    {
        "clerk",
        "supervisor",
        "technician",
        "accountant",
        "branch_manager",
        "service_dept",
        "vice_gm",
        "gm",
        "gm_office",
        "qa",
        "manufacturing",
        "rnd",
        "sales",
        "sales_manager",
        "warehouse",
        "counter",
        "counter_lead",
        "cashier",
        "pos",
        "admin",
    }
)

# SPEC C5 (non-quality, quality) and R1 (service problems, retail and survey complaints).
CLASSIFICATIONS: tuple[str, ...] = ("non_quality", "quality", "service")
# SPEC C9.8: the five copies of a closed complaint form.
COPY_RECIPIENTS: tuple[str, ...] = ("qa", "manufacturing", "sales", "accounting", "gm_office")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: object, *, rule: str, field: str, allow_negative: bool = False) -> Decimal:
    """Parse a money amount (Decimal, int or decimal string, at most 2 places) (SPEC §8)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError(rule, field, 'give money as a decimal string such as "279.00"')
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise DomainError(rule, field, f"{value!r} is not a decimal amount") from None
    else:
        raise DomainError(rule, field, "must be a decimal amount")
    if not amount.is_finite():
        raise DomainError(rule, field, "must be a finite amount")
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:
        raise DomainError(rule, field, "is too large") from None
    if cents != amount:
        raise DomainError(rule, field, "must have at most 2 decimal places")
    if amount < 0 and not allow_negative:
        raise DomainError(rule, field, "must not be negative")
    return cents


def to_utc(value: datetime, *, rule: str, field: str) -> datetime:
    """Require an aware datetime and return it in UTC (SPEC §8)."""
    if not isinstance(value, datetime):
        raise DomainError(rule, field, "must be a date-time with an offset")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(rule, field, "must carry a time-zone offset")
    return value.astimezone(UTC)


def check_market(market: str, *, rule: str) -> Market:
    """Require a known market (`domestic` or `foreign`) (SPEC C10)."""
    if market not in MARKETS:
        raise DomainError(rule, "market", f"must be one of {', '.join(MARKETS)}")
    return cast(Market, market)
