"""Maintenance contracts, expiry notices and extended warranties (SPEC S6 B, S20, E1–E4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from shared.fields import Code, PastDate, RecordId

from . import MoneyIn, Out


class ContractIn(BaseModel):
    branch: Code
    customer_id: RecordId
    product_id: RecordId
    starts_on: PastDate
    ends_on: PastDate
    fee: MoneyIn


class ContractOut(Out):
    contract_no: str
    branch: str
    customer_id: int
    product_id: int
    starts_on: date
    ends_on: date
    fee: Decimal
    notice_due_at: datetime
    notice_sent_at: datetime | None
    created_by: str


class ExpiryNoticeOut(Out):
    contract_no: str
    branch: str
    customer_id: int
    product_id: int
    ends_on: date
    issued_on: date
    issued_at: datetime


class QuoteOut(BaseModel):
    years: int
    price: Decimal


class WarrantyIn(BaseModel):
    branch: Code
    customer_id: RecordId
    product_id: RecordId
    product_price: MoneyIn
    years: int = Field(strict=True, ge=1, le=5)
    maker_warranty_ends_on: PastDate


class WarrantyOut(Out):
    warranty_no: str
    branch: str
    customer_id: int
    product_id: int
    product_price: Decimal
    years: int
    price: Decimal
    maker_warranty_ends_on: date
    starts_on: date
    ends_on: date
    channel: str
    store_id: str | None
    transaction_id: str | None
    sold_by: str
    sold_at: datetime
    provider: str | None = None  # SPEC E5: who underwrites it (None: the company)
    replaced_on: date | None = None  # SPEC E4: the unit was replaced under the cover
    replacement_no: str | None = None
    cover: dict[str, Any]
