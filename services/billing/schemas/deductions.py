"""Bonuses and penalty deductions (SPEC P6, P7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from shared.fields import ShortText

from . import MoneyIn, Out


class BonusIn(BaseModel):
    amount: MoneyIn
    base_points: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2,
                                        allow_inf_nan=False)
    unit: ShortText | None = Field(default=None, max_length=80)


class BonusOut(Out):
    person_id: str
    month: str
    amount: Decimal
    base_points: Decimal | None
    unit: str | None
    recorded_by: str
    recorded_at: datetime


class InstalmentOut(BaseModel):
    notice_no: str
    case_no: str | None
    amount: Decimal


class PenaltyOut(BaseModel):
    notice_no: str
    case_no: str | None
    amount: Decimal
    first_month: str
    deducted_to_date: Decimal
    remaining: Decimal


class DeductionOut(BaseModel):
    person_id: str
    month: str
    bonus: Decimal | None
    cap: Decimal | None
    amount: Decimal
    carried_in: Decimal
    carried_forward: Decimal
    instalments: list[InstalmentOut]
    penalties: list[PenaltyOut]
