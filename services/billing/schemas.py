"""Billing's request and response bodies (CONTRACT "Billing")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class VoucherOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    voucher_no: str
    call_id: int
    branch: str
    category: str
    customer_name: str
