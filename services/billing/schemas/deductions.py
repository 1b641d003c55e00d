"""The staff register, bonuses, decisions received and penalty deductions (SPEC P3, P5–P7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import Code, Month, ShortText

from . import MoneyIn, Out

Points = Decimal  # base points: up to 10 digits, 2 places, never negative


class BonusIn(BaseModel):
    """A month's efficiency bonus; unit and base points live in the staff register."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyIn


class BonusOut(Out):
    person_id: str
    month: str
    amount: Decimal
    recorded_by: str
    recorded_at: datetime


class StaffIn(BaseModel):
    """A person's unit and base points from a month on (SPEC P5, P6)."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    unit: Code  # the smallest group unit (P5)
    section: Code | None = None  # the section or department the unit belongs to
    base_points: Decimal = Field(ge=0, max_digits=10, decimal_places=2, allow_inf_nan=False)
    effective_month: Month


class StaffOut(Out):
    person_id: str
    name: str
    unit: str
    section: str | None
    base_points: Decimal
    updated_by: str
    updated_at: datetime


class StaffChangeOut(Out):
    effective_month: str
    name: str
    unit: str
    section: str | None
    base_points: Decimal
    changed_by: str
    changed_at: datetime


class BonusChangeOut(Out):
    month: str
    amount: Decimal
    before: Decimal | None
    changed_by: str
    changed_at: datetime


class PersonOut(StaffOut):
    """A person's register entry with its history and bonuses."""

    history: list[StaffChangeOut]
    bonuses: list[BonusOut]
    bonus_changes: list[BonusChangeOut]


class InstalmentOut(BaseModel):
    notice_no: str  # the decision id (deductions come from decisions, not notices)
    case_no: str | None
    amount: Decimal
    decision_id: int
    charge_id: int
    kind: str
    reversal: bool


class PenaltyOut(BaseModel):
    notice_no: str
    case_no: str | None
    amount: Decimal
    first_month: str
    deducted_to_date: Decimal
    remaining: Decimal
    decision_id: int
    charge_id: int
    kind: str
    grade: str | None
    basis: str
    reverses: int | None
    effective: bool


class DeductionOut(BaseModel):
    person_id: str
    month: str
    bonus: Decimal | None
    cap: Decimal | None
    amount: Decimal
    economic_amount: Decimal
    carried_in: Decimal
    carried_forward: Decimal
    closed: bool
    instalments: list[InstalmentOut]
    penalties: list[PenaltyOut]


class DecisionOut(Out):
    decision_id: int
    case_no: str | None
    kind: str | None
    month: str | None
    unit: str | None
    person_id: str | None
    loss_share: Decimal | None
    grade: str | None
    amount: Decimal | None
    supersedes: int | None
    status: str
    note: str | None
    received_at: datetime


class MonthCloseOut(BaseModel):
    month: str
    closed_at: datetime
    closed_by: str
    closed_through: str


class ClosedMonthOut(Out):
    month: str
    closed_at: datetime
    closed_by: str
