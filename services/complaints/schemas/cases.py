"""Complaints' request and response bodies for cases (CONTRACT "Complaints")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import (
    INT_MAX,
    Code,
    Email,
    LetterLanguage,
    PastDate,
    PastInstant,
    ShortText,
    Text,
)
from shared.money import MoneyIn

# Edge types (issue 11): no control characters, bounded lengths, strict integers within
# the databases' range, dates from 2000 (their future is judged by the use case's clock).
Name = ShortText
Body = Annotated[Text, Field(min_length=1)]
Reference = Annotated[ShortText, Field(max_length=80)]
Quantity = Annotated[int, Field(strict=True, ge=1, le=INT_MAX)]
Defective = Annotated[int, Field(strict=True, ge=0, le=INT_MAX)]


class ComplaintIn(BaseModel):
    """A complaint as sales (manufacturer) or a counter (retail) files it (SPEC C9.1)."""

    model_config = ConfigDict(extra="forbid")

    profile: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    market: Literal["domestic", "foreign"]
    classification: Literal["non_quality", "quality", "service"]
    customer: Name
    order_no: Reference | None = None
    part_no: Reference | None = None
    ship_date: PastDate | None = None
    quantity: Quantity | None = None
    defective_quantity: Defective | None = None
    demand: Body
    received_at: PastInstant | None = None
    # SPEC CT1: why a receipt older than the window is recorded only now (approver's).
    backdate_reason: Text | None = None
    branch: Annotated[Code, Field(max_length=16)] | None = None
    store_id: Code | None = None
    joint_inspection_on: PastDate | None = None
    joint_inspection_note: Text | None = None
    # SPEC Q26: the service department's triage of a complaint it files itself.
    severity: Literal["serious", "general"] | None = None
    # Issue 14 (Q26 函告該客戶): the customer's contact for the outcome letter; e-mail,
    # else a postal address; neither: the customer is told another way (no letter).
    customer_email: Email | None = None
    customer_language: LetterLanguage | None = None
    customer_address: Text | None = None


class FiledOut(BaseModel):
    """The answer to a filing (CONTRACT: 201)."""

    case_no: str
    profile: str
    status: str
    current_step: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    appeal_of: str | None = None
    # Deadlines computed on a working calendar whose year has no official holiday
    # schedule loaded are provisional; complaints count calendar days, so never.
    step_due_provisional: bool = False
    case_due_provisional: bool = False


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
    recorded_at: datetime
    backdated: bool = False
    backdate_reason: str | None = None
    backdate_approved_by: str | None = None
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
    backdated: bool = False


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
    received_recorded_at: datetime | None = None
    received_backdated: bool = False
    received_backdate_reason: str | None = None
    received_backdate_approved_by: str | None = None
    filed_at: datetime
    filed_by: str
    branch: str | None
    store_id: str | None
    severity: str | None
    customer_severity: str | None = None
    triage_reason: str | None = None
    triaged_by: str | None = None
    source_card_id: int | None
    joint_inspection_on: date | None
    joint_inspection_note: str | None
    # SPEC C7.4: manufacturing's production details (P5's smallest group unit)
    production_unit: str | None = None
    machine_or_shift: str | None = None
    production_staff: str | None = None
    production_date: date | None = None
    current_step: str | None
    owner_role: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    step_due_provisional: bool = False
    case_due_provisional: bool = False
    registered_at: datetime | None
    closed_at: datetime | None
    appeal_of: str | None
    appeals: list[str]
    handling: str | None
    amount: Decimal | None
    approved_amount: Decimal | None = None
    approved_by: str | None = None
    approved_role: str | None = None
    approved_at: datetime | None = None
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

    demand: Body
    received_at: PastInstant | None = None
    backdate_reason: Text | None = None  # SPEC CT1, as for a filing
    defective_quantity: Defective | None = None


class PetitionIn(BaseModel):
    """A disagreeing department escalates to its superiors (SPEC C9.12)."""

    model_config = ConfigDict(extra="forbid")

    reason: Body
    step: str | None = Field(default=None, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    addressed_to: Literal["gm", "vice_gm"] = "gm"


class PetitionDecisionIn(BaseModel):
    """The superior's answer to a petition (SPEC C9.12)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["upheld", "rejected"]
    note: Text | None = None


class SupplierIn(BaseModel):
    """The GM office's coordination with the responsible supplier (SPEC C9.13)."""

    model_config = ConfigDict(extra="forbid")

    supplier: Name
    outcome: Body
    recovered_amount: MoneyIn | None = None


class ImprovementIn(BaseModel):
    """The tracked improvement was carried out (SPEC C9.7)."""

    model_config = ConfigDict(extra="forbid")

    result: Body
