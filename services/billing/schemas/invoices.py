"""Invoices, payments and price lists (SPEC S10, S13)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from shared.fields import PastInstant, ShortText, Text

from . import MoneyIn, Out


class InvoiceLineOut(Out):
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class PaymentOut(Out):
    receipt_no: str
    invoice_no: str
    amount: Decimal
    method: str
    collected_by: str | None
    paid_at: datetime
    reverses_receipt: str | None
    recorded_by: str
    # SPEC CT1: when billing heard of it, and the approval of a late entry.
    recorded_at: datetime | None = None
    backdate_reason: str | None = None
    backdate_approved_by: str | None = None


class VoidOut(Out):
    amount: Decimal
    reason: str
    voided_by: str
    voided_role: str
    voided_at: datetime


class InvoiceOut(Out):
    invoice_no: str
    voucher_no: str | None
    ref: str | None
    source: str
    branch: str
    customer_id: int | None
    service_mode: str | None
    collection: str
    amount: Decimal
    paid: Decimal
    balance: Decimal
    status: Literal["paid", "issued", "void"]
    issued_on: date
    raised_at: datetime
    raised_by: str
    mailed_at: datetime | None
    mailed_recorded_at: datetime | None = None
    mailed_backdate_reason: str | None = None
    mailed_backdate_approved_by: str | None = None
    lines: list[InvoiceLineOut]
    payments: list[PaymentOut]
    void: VoidOut | None


class PaymentIn(BaseModel):
    amount: MoneyIn
    method: Literal["cash", "transfer", "card", "cheque"] = "cash"
    collected_by: ShortText | None = Field(default=None, max_length=64)
    paid_at: PastInstant | None = None
    # SPEC CT1: why a payment older than the branch's desk window is recorded late (only
    # the branch manager may record it).
    backdate_reason: Text | None = Field(default=None, max_length=500)


class PaymentResult(BaseModel):
    receipt_no: str
    invoice_no: str
    amount: Decimal
    paid_at: datetime
    status: str
    balance: Decimal
    recorded_at: datetime | None = None
    backdated: bool = False
    backdate_approved_by: str | None = None


class VoidIn(BaseModel):
    reason: Text = Field(min_length=3, max_length=500)


class MailedIn(BaseModel):
    at: PastInstant | None = None
    backdate_reason: Text | None = Field(default=None, max_length=500)  # SPEC CT1


class PriceListBody(BaseModel):
    visit_fee: MoneyIn
    labour_rate_per_hour: MoneyIn


class PriceListOut(PriceListBody):
    branch: str
    stored: bool
