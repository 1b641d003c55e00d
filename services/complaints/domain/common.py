"""Value rules shared by the complaints domain: roles, markets and UTC times.

Invariants: times are aware and converted to UTC (SPEC §8). Money is parsed by
``shared.money.parse_money`` (one policy for every service: decimal strings, never a float,
at most the currency's 2 places, never rounded silently).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, cast

from shared.rules import RuleBroken

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

def to_utc(value: datetime, *, rule: str, field: str) -> datetime:
    """Require an aware datetime and return it in UTC (SPEC §8)."""
    if not isinstance(value, datetime):
        raise RuleBroken("must be a date-time with an offset", field=field, rule=rule)
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleBroken("must carry a time-zone offset", field=field, rule=rule)
    return value.astimezone(UTC)


def check_market(market: str, *, rule: str) -> Market:
    """Require a known market (`domestic` or `foreign`) (SPEC C10)."""
    if market not in MARKETS:
        raise RuleBroken(f"must be one of {', '.join(MARKETS)}", field="market", rule=rule)
    return cast(Market, market)
