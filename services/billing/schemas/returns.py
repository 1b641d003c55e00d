"""Returns, allowances, the journal and collection rates (SPEC C13.1, C13.2)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from shared.fields import Count, ShortText, Text

from . import MoneyIn, Out


class SlipCopyOut(Out):
    copy_no: int
    holder: str
    purpose: str
    routed_by: str
    routed_at: datetime


class ReturnSlipOut(Out):
    slip_no: str
    case_no: str
    handling: str
    reason: str
    customer: str
    order_no: str | None
    part_no: str | None
    approved_qty: int | None
    amount: Decimal | None
    ratio: Decimal | None
    received_qty: int | None
    received_by: str | None
    received_at: datetime | None
    book_qty: int | None
    decision: str | None
    status: str
    proof: str | None
    # SPEC C13.1(2)b: approval, the warehouse's signature and note, the copies' routing.
    profile: str | None = None
    approved_by: str | None = None
    approved_role: str | None = None
    approved_at: datetime | None = None
    signed_by: str | None = None
    receipt_note: str | None = None
    # SPEC C13.2(1)b: the amount on the proof and a review's amount to book.
    stated_amount: Decimal | None = None
    review_amount: Decimal | None = None
    copies: list[SlipCopyOut] = Field(default_factory=list)


class ApprovalOut(Out):
    level: str
    role: str
    approved_by: str
    approved_at: datetime


class AllowanceOut(Out):
    allowance_no: str
    case_no: str
    customer: str
    order_no: str | None
    part_no: str | None
    amount: Decimal | None
    status: str
    customer_signed_by: str | None
    customer_signed_at: datetime | None
    proof: str | None
    approvals: list[ApprovalOut]
    missing: list[str]


class ReceiptIn(BaseModel):
    received_qty: Count
    # SPEC C13.1(2)b: needed when the quantity differs from the approved one.
    signed_by: ShortText | None = Field(default=None, max_length=120)
    note: Text | None = Field(default=None, max_length=250)


class ReleaseIn(BaseModel):
    book_qty: Count = Field(ge=1)
    note: Text = Field(min_length=3, max_length=200)
    book_amount: MoneyIn | None = None  # SPEC C13.2(1)b: a reviewed amount to book


class ProofIn(BaseModel):
    proof: str = Field(max_length=64)  # the domain names the accepted ones (C13.2(4)/(5))


class ReturnProofIn(ProofIn):
    amount: MoneyIn  # the amount on the proof, checked against the approved one (C13.2(1)b)


class SignIn(BaseModel):
    signed_by: ShortText = Field(max_length=120)


class ReverseIn(BaseModel):
    reason: Text = Field(min_length=3, max_length=250)


class JournalLineOut(BaseModel):
    account: str
    debit: Decimal
    credit: Decimal


class JournalEntryOut(BaseModel):
    entry_id: int
    source_type: str
    source_no: str
    case_no: str | None
    invoice_no: str | None
    memo: str
    reverses_entry_id: int | None
    booked_by: str
    booked_role: str
    booked_at: datetime
    lines: list[JournalLineOut]


class OrderRatioIn(BaseModel):
    ratio: Decimal = Field(ge=0, lt=1, max_digits=6, decimal_places=4, allow_inf_nan=False)


class OrderRatioOut(Out):
    order_no: str
    ratio: Decimal
    set_by: str


class ReceivableIn(BaseModel):
    salesperson: ShortText = Field(max_length=64)
    month: str
    part_no: ShortText = Field(max_length=40)
    order_no: ShortText | None = Field(default=None, max_length=40)
    customer: ShortText | None = None
    amount_due: MoneyIn
    amount_collected: MoneyIn


class ReceivableOut(Out):
    id: int
    salesperson: str
    month: str
    part_no: str
    order_no: str | None
    amount_due: Decimal
    amount_collected: Decimal


class ExcludedOut(BaseModel):
    receivable_id: int
    part_no: str
    case_no: str
    amount_due: Decimal


class CollectionRateOut(BaseModel):
    salesperson: str
    month: str
    rate: Decimal | None
    amount_due: Decimal
    amount_collected: Decimal
    excluded: list[ExcludedOut]
