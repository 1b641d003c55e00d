"""Billing's request and response bodies (CONTRACT "Billing").

Money travels as decimal strings (``"279.00"``): response fields are ``Decimal`` quantized
to cents, which pydantic writes as strings; request amounts accept strings or numbers
with at most two decimal places.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MoneyIn = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class Out(BaseModel):
    """A response read from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class VoucherOut(Out):
    voucher_no: str
    call_id: int
    branch: str
    category: str
    customer_name: str
