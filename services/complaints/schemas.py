"""Complaints' request and response bodies for cases (CONTRACT "Complaints")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Name = Field(min_length=1, max_length=200)
Text = Field(min_length=1, max_length=4000)


class ComplaintIn(BaseModel):
    """A complaint as sales (manufacturer) or a counter (retail) files it (SPEC C9.1)."""

    model_config = ConfigDict(extra="forbid")

    profile: str = Field(min_length=1, max_length=60)
    market: Literal["domestic", "foreign"]
    classification: Literal["non_quality", "quality", "service"]
    customer: str = Name
    order_no: str | None = Field(default=None, min_length=1, max_length=80)
    part_no: str | None = Field(default=None, min_length=1, max_length=80)
    ship_date: date | None = None
    quantity: int | None = Field(default=None, ge=1)
    defective_quantity: int | None = Field(default=None, ge=0)
    demand: str = Text
    received_at: AwareDatetime | None = None
    branch: str | None = Field(default=None, max_length=16)
    store_id: str | None = Field(default=None, max_length=64)
    joint_inspection_on: date | None = None
    joint_inspection_note: str | None = Field(default=None, max_length=4000)


class FiledOut(BaseModel):
    """The answer to a filing (CONTRACT: 201)."""

    case_no: str
    profile: str
    status: str
    current_step: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    appeal_of: str | None = None


class CaseLine(BaseModel):
    """One line of the complaint register (客戶抱怨案件登記追蹤表)."""

    model_config = ConfigDict(from_attributes=True)

    case_no: str
    profile: str
    status: str
    classification: str
    customer: str
    current_step: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    filed_at: datetime
    closed_at: datetime | None
    appeal_of: str | None
    source_card_id: int | None


class TimelineOut(BaseModel):
    """A completed step: who, when, what (CONTRACT timeline; SPEC §8)."""

    step: str
    by: str
    role: str
    at: datetime
    note: str | None
    decision: dict[str, Any]
    due_at: datetime | None
    late: bool


class ReminderOut(BaseModel):
    """A reminder slip (SPEC C14)."""

    kind: str
    step: str
    owner_role: str
    due_at: datetime
    issued_at: datetime


class FollowUpOut(BaseModel):
    """A follow-up slip for a late step or case (SPEC C14)."""

    kind: str
    step: str | None
    owner_role: str | None
    due_at: datetime
    done_at: datetime
    issued_at: datetime


class PetitionOut(BaseModel):
    """A department's petition (SPEC C9.12)."""

    id: int
    step: str | None
    department: str
    addressed_to: str
    reason: str
    by: str
    at: datetime
    decision: str | None
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None


class SupplierOut(BaseModel):
    """The GM office's coordination with a supplier (SPEC C9.13)."""

    supplier: str
    outcome: str
    recovered_amount: Decimal | None
    by: str
    at: datetime


class ImprovementOut(BaseModel):
    """Improvement tracking of a closed case (SPEC C9.7)."""

    required: bool
    done_at: datetime | None
    note: str | None


class CaseOut(BaseModel):
    """A case with its timeline and slips (CONTRACT: GET /complaints/{case_no})."""

    case_no: str
    profile: str
    status: str
    market: str
    classification: str
    customer: str
    order_no: str | None
    part_no: str | None
    ship_date: date | None
    quantity: int | None
    defective_quantity: int | None
    demand: str
    received_at: datetime
    filed_at: datetime
    filed_by: str
    branch: str | None
    store_id: str | None
    severity: str | None
    source_card_id: int | None
    joint_inspection_on: date | None
    joint_inspection_note: str | None
    current_step: str | None
    owner_role: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    registered_at: datetime | None
    closed_at: datetime | None
    appeal_of: str | None
    appeals: list[str]
    handling: str | None
    amount: Decimal | None
    responsible_unit: str | None
    loss_amount: Decimal | None
    decisions: dict[str, Any]
    improvement: ImprovementOut | None
    copies_to: list[str]
    timeline: list[TimelineOut]
    reminders: list[ReminderOut]
    followups: list[FollowUpOut]
    petitions: list[PetitionOut]
    supplier_coordinations: list[SupplierOut]


class OverdueOut(BaseModel):
    """An open case past a deadline (CONTRACT: GET /complaints/overdue; SPEC C14)."""

    case_no: str
    profile: str
    current_step: str
    owner_role: str | None
    kind: str
    due_at: datetime


class AppealIn(BaseModel):
    """The customer rejects the decision: a new form linked to the original (SPEC C9.9)."""

    model_config = ConfigDict(extra="forbid")

    demand: str = Text
    received_at: AwareDatetime | None = None
    defective_quantity: int | None = Field(default=None, ge=0)


class PetitionIn(BaseModel):
    """A disagreeing department escalates to its superiors (SPEC C9.12)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Text
    step: str | None = Field(default=None, max_length=60)
    addressed_to: Literal["gm", "vice_gm"] = "gm"


class PetitionDecisionIn(BaseModel):
    """The superior's answer to a petition (SPEC C9.12)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["upheld", "rejected"]
    note: str | None = Field(default=None, max_length=4000)


class SupplierIn(BaseModel):
    """The GM office's coordination with the responsible supplier (SPEC C9.13)."""

    model_config = ConfigDict(extra="forbid")

    supplier: str = Name
    outcome: str = Text
    recovered_amount: Decimal | None = Field(default=None, ge=0, decimal_places=2)


class ImprovementIn(BaseModel):
    """The tracked improvement was carried out (SPEC C9.7)."""

    model_config = ConfigDict(extra="forbid")

    result: str = Text
