"""Request and response bodies for losses, penalty decisions and notices (SPEC P1–P5, P8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

Ident = Field(min_length=1, max_length=64)
Unit = Field(min_length=1, max_length=200)


class LossIn(BaseModel):
    """The loss on returned goods (SPEC P1)."""

    model_config = ConfigDict(extra="forbid")

    a_grade_price: Decimal
    returned_on: date
    sold_on: date | None = None
    resale_price: Decimal | None = None
    actual_loss: Decimal | None = None


class LossOut(BaseModel):
    case_no: str
    loss_amount: Decimal


class MemberIn(BaseModel):
    """A member of a responsible unit and their base points (SPEC P5, P6)."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Ident
    base_points: Decimal


class PartyIn(BaseModel):
    """A responsible party and its judged ratio (SPEC P2, P5)."""

    model_config = ConfigDict(extra="forbid")

    department: str = Field(min_length=1, max_length=32)
    unit: str = Unit
    ratio: Decimal = Decimal(1)
    group: str | None = Field(default=None, max_length=200)
    individual: str | None = Field(default=None, max_length=64)
    members: list[MemberIn] = Field(default_factory=list)


class EconomicPenaltyIn(BaseModel):
    """Apportion a case's loss among the responsible parties (SPEC P2, P5)."""

    model_config = ConfigDict(extra="forbid")

    loss: Decimal | None = None
    parties: list[PartyIn] = Field(min_length=1)


class AdministrativePenaltyIn(BaseModel):
    """An administrative penalty on one person (SPEC P3, P4, P5)."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Ident
    department: str = Field(min_length=1, max_length=32)
    unit: str = Unit
    level: str = Field(min_length=1, max_length=32)
    ground: str = Field(min_length=1, max_length=60)
    base_points: Decimal
    monthly_bonus: Decimal
    amount: Decimal | None = None


class PenaltyLineOut(BaseModel):
    """One person's line of a decision (SPEC P2–P5)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_no: str
    kind: str
    person_id: str
    unit: str
    amount: Decimal
    bearer: str
    bearer_level: str
    ground: str | None
    level: str | None
    month: str
    decided_at: datetime
    decided_by: str
    notice_no: str | None


class NoticeOut(BaseModel):
    """A published penalty notice (SPEC P8)."""

    model_config = ConfigDict(from_attributes=True)

    notice_no: str
    month: str
    person_id: str
    unit: str
    amount: Decimal
    case_nos: list[str]
    published_at: datetime


class PublishOut(BaseModel):
    """The month's notices; `published` counts those published by this call (SPEC P8)."""

    month: str
    published: int
    notices: list[NoticeOut]
