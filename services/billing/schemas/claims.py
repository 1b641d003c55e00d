"""Cover per call, claims and replacement requests (SPEC E3, E4, E5)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import ShortText, Text

from . import Out, VoucherOut


class ClaimLineOut(Out):
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class ClaimOut(Out):
    claim_no: str
    branch: str
    voucher_no: str
    kind: str
    cover_kind: str
    ref: str
    provider: str | None
    amount: Decimal
    status: Literal["open", "submitted", "paid", "rejected", "booked"]
    opened_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    settled_by: str | None
    settled_at: datetime | None
    provider_ref: str | None
    note: str | None
    lines: list[ClaimLineOut] = Field(default_factory=list)


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider_ref: ShortText | None = Field(default=None, max_length=80)


class SettleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["paid", "rejected"]
    note: Text | None = Field(default=None, max_length=500)


class ReplacementOut(Out):
    request_no: str
    branch: str
    voucher_no: str
    warranty_no: str
    customer_id: int
    product_id: int
    provider: str | None
    status: Literal["pending", "approved", "refused"]
    requested_at: datetime
    technician_id: str
    decided_by: str | None
    decided_role: str | None
    decided_at: datetime | None
    decided_on: date | None
    note: str | None
    provider_ref: str | None


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text | None = Field(default=None, max_length=500)
    provider_ref: ShortText | None = Field(default=None, max_length=80)


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=3, max_length=500)


class CoverCheckOut(Out):
    voucher_no: str
    cover_kind: str
    ref: str
    component: str | None
    cause: str | None
    repairable: bool
    covered: bool
    reason: str | None
    invoice_no: str | None
    checked_at: datetime


class VoucherCoverOut(VoucherOut):
    """A voucher as billing knows it, with how its cover was judged (SPEC E3)."""

    product_id: int | None = None
    cover: CoverCheckOut | None = None
