"""Survey's request and response bodies (CONTRACT "Survey")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import Text

_LEVEL = "4 very satisfied, 3 satisfied, 2 dissatisfied, 1 very dissatisfied (SPEC Q25)"


class ComplaintIn(BaseModel):
    """A complaint or suggestion written on the card (SPEC Q23, Q26)."""

    model_config = ConfigDict(extra="forbid")

    severity: str = Field(max_length=16, description="serious | general (SPEC Q26)")
    text: Text
    kind: str = Field("complaint", max_length=16, description="complaint | suggestion")


# A level is a strict integer (never "3" nor true); its range 1..4 is the rule's (Q25).
Level = Annotated[int, Field(strict=True, description=_LEVEL)]


class AnswerIn(BaseModel):
    """A card's answer keyed in from paper (SPEC Q25); levels are checked by the rules."""

    model_config = ConfigDict(extra="forbid")

    attitude: Level
    skill: Level
    arrival: Level
    follow_through: Level
    comment: Text | None = None
    complaint: ComplaintIn | None = None


class CardOut(BaseModel):
    """A card in the day's list (CONTRACT: id, call_id, voucher_no, technician_id, status)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    voucher_no: str
    technician_id: str | None
    status: Literal["pending", "sent", "answered", "cancelled"]
    branch: str
    call_date: date | None
    sent_at: datetime | None
    answered_at: datetime | None
    complaint_case_no: str | None


class TriageIn(BaseModel):
    """The service department's triage of a card's complaint (SPEC Q26)."""

    model_config = ConfigDict(extra="forbid")

    severity: str = Field(max_length=16, description="serious | general (SPEC Q26)")
    reason: Text | None = Field(
        None, description="why; required when it differs from the customer's choice")


class ComplaintOut(BaseModel):
    """A card's complaint or suggestion: the customer's choice and the triage (Q26)."""

    kind: str
    severity: str | None = Field(description="the service department's triage; null "
                                             "while it awaits triage (SPEC Q26)")
    text: str
    case_no: str | None
    status: Literal["awaiting_triage", "raised"]
    customer_severity: str | None
    triage_reason: str | None = None
    triaged_by: str | None = None
    triaged_at: datetime | None = None


class AwaitingOut(BaseModel):
    """A complaint or suggestion awaiting the service department's triage (SPEC Q26)."""

    card_id: int
    call_id: int
    voucher_no: str
    branch: str
    technician_id: str | None
    customer_name: str | None
    answered_at: datetime | None
    answered_via: str | None
    complaint: ComplaintOut


class CardDetail(CardOut):
    """One card with its answer, its complaint's case and (for the service dept) its link."""

    customer_name: str | None
    attitude: int | None
    skill: int | None
    arrival: int | None
    follow_through: int | None
    comment: str | None
    answered_via: str | None
    complaint: ComplaintOut | None = None
    link: str | None = None
    link_expires_at: datetime | None = None
    # Issue 14: the survey-link letter once the card was sent: pending | sent | failed |
    # postal (no e-mail: to print), and its id (GET /letters/{id}/pdf).
    letter_status: str | None = None
    letter_id: str | None = None


class ScoresOut(BaseModel):
    """A technician's month (SPEC Q23); averages are null when no card was answered."""

    model_config = ConfigDict(from_attributes=True)

    technician_id: str
    month: str
    attitude: float | None
    skill: float | None
    arrival: float | None
    follow_through: float | None
    overall: float | None
    answered: int
    sent: int


class RankingLine(ScoresOut):
    """One line of a branch's monthly ranking (SPEC Q23)."""

    rank: int
