"""Billing's money checks on top of :mod:`shared.money` (SPEC §8).

Inputs go through :func:`shared.money.parse_money`, which refuses floats, non-finite
values, amounts beyond ``MAX_AMOUNT`` and more decimals than the currency has: nothing is
rounded silently. Computations that must round (a pro-rata share, a cap) call
:func:`shared.money.round_money` with the direction their rule names.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from shared.money import parse_money
from shared.rules import RuleBroken


def positive_money(value: Any, *, field: str, rule: str) -> Decimal:
    """An exact amount that must be > 0, else ``RuleBroken`` naming ``field``."""
    amount = parse_money(value, field=field, rule=rule)
    if amount <= 0:
        raise RuleBroken("must be greater than zero", field=field, rule=rule)
    return amount


def exact_decimal(value: Any, *, field: str, rule: str) -> Decimal:
    """A ratio or a count of points as an exact, finite ``Decimal``; never a ``float``."""
    if isinstance(value, bool | float):
        raise RuleBroken("must be an exact decimal, not float", field=field, rule=rule)
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise RuleBroken(f"not a decimal: {str(value)[:40]!r}", field=field, rule=rule) from None
    if not result.is_finite():
        raise RuleBroken("must be a finite number", field=field, rule=rule)
    return result
