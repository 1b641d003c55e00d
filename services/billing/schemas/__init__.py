"""Billing's request and response bodies (CONTRACT "Billing").

Money travels as decimal strings (``"279.00"``): response fields are ``Decimal`` quantized
to cents, which pydantic writes as strings; request amounts are ``shared.money.MoneyIn``
(a decimal string or an integer, at most two decimals, never a float). Ids, text and
times use the edge types of ``shared.fields`` (issue 11: a clear 422, never a 500).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from shared.money import MoneyIn

__all__ = ["MoneyIn", "Out", "VoucherOut"]


class Out(BaseModel):
    """A response read from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)


class VoucherOut(Out):
    voucher_no: str
    call_id: int
    branch: str
    category: str
    customer_name: str
