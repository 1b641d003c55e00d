"""Exact money: ``Decimal`` quantized to cents with ROUND_HALF_UP, never ``float``.

SPEC §8: money is exact decimal in the branch's currency. Every amount that leaves this
package has passed through :func:`money` (or an explicit, documented rounding direction).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from services.billing.domain.errors import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value: Decimal | int | str, *, field: str, rule: str = "§8") -> Decimal:
    """Convert an exact input to ``Decimal``; refuse ``float`` and non-finite values (SPEC §8)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError(rule=rule, field=field, message="must be an exact decimal, not float")
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DomainError(rule=rule, field=field, message=f"not a decimal: {value!r}") from exc
    if not result.is_finite():
        raise DomainError(rule=rule, field=field, message="must be a finite amount")
    return result


def money(value: Decimal | int | str, *, field: str = "amount", rule: str = "§8") -> Decimal:
    """Quantize to cents, ROUND_HALF_UP (SPEC §8)."""
    return to_decimal(value, field=field, rule=rule).quantize(CENT, rounding=ROUND_HALF_UP)


def money_down(value: Decimal) -> Decimal:
    """Quantize to cents rounding toward zero; used where a cap must never be exceeded."""
    return value.quantize(CENT, rounding=ROUND_DOWN)


def non_negative_money(value: Decimal | int | str, *, field: str, rule: str) -> Decimal:
    """Cents amount that must be ≥ 0, else ``DomainError`` naming ``field``."""
    amount = money(value, field=field, rule=rule)
    if amount < 0:
        raise DomainError(rule=rule, field=field, message="must not be negative")
    return amount


def positive_money(value: Decimal | int | str, *, field: str, rule: str) -> Decimal:
    """Cents amount that must be > 0, else ``DomainError`` naming ``field``."""
    amount = money(value, field=field, rule=rule)
    if amount <= 0:
        raise DomainError(rule=rule, field=field, message="must be greater than zero")
    return amount
