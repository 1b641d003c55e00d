"""Request and response bodies for losses, penalty decisions and notices (SPEC P1–P5, P8)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import Code, PastDate, ShortText
from shared.money import MoneyIn

# Edge types (issue 11): amounts and points are decimal strings with at most 2 places
# (shared.money: never a float, never rounded); ratios are bounded decimals.
Ident = Code
Unit = ShortText
Ratio = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=12, decimal_places=4,
                                 allow_inf_nan=False)]


class LossIn(BaseModel):
    """The loss on returned goods (SPEC P1)."""

    model_config = ConfigDict(extra="forbid")

    a_grade_price: MoneyIn
    returned_on: PastDate
    sold_on: PastDate | None = None
    resale_price: MoneyIn | None = None
    actual_loss: MoneyIn | None = None


class LossOut(BaseModel):
    case_no: str
    loss_amount: Decimal


class MemberIn(BaseModel):
    """A member of a responsible unit and their base points (SPEC P5, P6)."""

    model_config = ConfigDict(extra="forbid")

    person_id: Ident
    base_points: MoneyIn


class PartyIn(BaseModel):
    """A responsible party and its judged ratio (SPEC P2, P5)."""

    model_config = ConfigDict(extra="forbid")

    department: Annotated[Code, Field(max_length=32)]
    unit: Unit
    ratio: Ratio = Decimal(1)
    group: ShortText | None = None
    individual: Ident | None = None
    members: list[MemberIn] = Field(default_factory=list, max_length=500)


class EconomicPenaltyIn(BaseModel):
    """Apportion a case's loss among the responsible parties (SPEC P2, P5)."""

    model_config = ConfigDict(extra="forbid")

    loss: MoneyIn | None = None
    parties: list[PartyIn] = Field(min_length=1, max_length=100)


class AdministrativePenaltyIn(BaseModel):
    """An administrative penalty on one person (SPEC P3, P4, P5)."""

    model_config = ConfigDict(extra="forbid")

    person_id: Ident
    department: Annotated[Code, Field(max_length=32)]
    unit: Unit
    level: Annotated[Code, Field(max_length=32)]
    ground: Annotated[Code, Field(max_length=60)]
    base_points: MoneyIn
    monthly_bonus: MoneyIn
    amount: MoneyIn | None = None


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
