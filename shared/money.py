"""Money: exact ``Decimal`` in the branch's currency, with one input policy (SPEC §8).

Input policy, everywhere: an amount is a decimal string (or an ``int``/``Decimal``),
never a ``float``; it must be finite, within ``MAX_AMOUNT``, and carry no more decimals
than the currency has (CNY: 2). Nothing is rounded silently: ``"1.005"`` is refused
naming the field. Rounding happens only in computations (a share, a ratio), where the
rule says which way, through :func:`round_money`.

``MoneyIn`` is the pydantic type for request bodies (non-negative); ``parse_money`` is the
same check for pure rules that receive raw values (``allow_negative=True`` where a signed
amount means something).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from babel.numbers import get_currency_precision
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .rules import RuleBroken

DEFAULT_CURRENCY = "CNY"
# Far beyond any appliance invoice, and inside NUMERIC(14, 2) of every money column.
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def scale(currency: str = DEFAULT_CURRENCY) -> int:
    """How many decimals the currency has (CLDR, through Babel)."""
    return get_currency_precision(currency)


def parse_money(
    value: Any, *, field: str = "amount", rule: str | None = None,
    currency: str = DEFAULT_CURRENCY, allow_negative: bool = False,
) -> Decimal:
    """``value`` as an exact amount of ``currency``, or ``RuleBroken`` naming ``field``."""
    if isinstance(value, bool | float):
        raise RuleBroken('give money as a decimal string such as "279.00"', field=field, rule=rule)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise RuleBroken(f"{value[:40]!r} is not a decimal amount", field=field,
                             rule=rule) from None
    else:
        raise RuleBroken("must be a decimal amount", field=field, rule=rule)
    if not amount.is_finite():
        raise RuleBroken("must be a finite amount", field=field, rule=rule)
    if abs(amount) > MAX_AMOUNT:
        raise RuleBroken(f"must be at most {MAX_AMOUNT}", field=field, rule=rule)
    places = scale(currency)
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if -exponent > places:
        raise RuleBroken(f"must have at most {places} decimal places", field=field, rule=rule)
    if amount < 0 and not allow_negative:
        raise RuleBroken("must not be negative", field=field, rule=rule)
    return amount.quantize(Decimal(1).scaleb(-places))


def round_money(value: Decimal, currency: str = DEFAULT_CURRENCY,
                rounding: str = ROUND_HALF_UP) -> Decimal:
    """A computed amount rounded to the currency's places (the rule names the direction)."""
    return value.quantize(Decimal(1).scaleb(-scale(currency)), rounding=rounding)


def format_money(value: Decimal, currency: str = DEFAULT_CURRENCY) -> str:
    """Money on the wire: an exact decimal string with the currency's places."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-scale(currency))))


def _validate(value: Any) -> Decimal:
    try:
        return parse_money(value, field="amount")
    except RuleBroken as exc:
        # pydantic names the field from its location; the message says what is wrong.
        raise ValueError(exc.message) from None


_SCHEMA = {"type": "string", "pattern": r"^-?\d{1,12}(\.\d{1,2})?$", "examples": ["279.00"]}

# A non-negative amount in a request body: string (or integer), at most 2 decimals.
MoneyIn = Annotated[
    Decimal, BeforeValidator(_validate), PlainSerializer(format_money, return_type=str),
    WithJsonSchema({**_SCHEMA, "pattern": r"^\d{1,12}(\.\d{1,2})?$"}),
]
