"""Request and response bodies for losses, penalty decisions and notices (SPEC P1–P5, P8)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import Code, PastDate, RecordId, Text
from shared.money import MoneyIn

# Edge types (issue 11): amounts and points are decimal strings with at most 2 places
# (shared.money: never a float, never rounded); ratios are bounded decimals.
Ident = Code
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


class PartyIn(BaseModel):
    """A responsible party and its judged ratio (SPEC P2, P5): references only; members,
    base points and bonuses come from billing's staff register (extra fields are refused)."""

    model_config = ConfigDict(extra="forbid")

    department: Annotated[Code, Field(max_length=32)]
    unit: Ident
    ratio: Ratio = Decimal(1)
    group: Ident | None = None
    individual: Ident | None = None


class Correction(BaseModel):
    """A correction names the decision it supersedes and says why (SPEC P2, P3)."""

    supersedes: RecordId | None = None
    reason: Text | None = None


class EconomicPenaltyIn(Correction):
    """Apportion a case's loss among the responsible parties (SPEC P2, P5).

    With ``supersedes`` the request names exactly one party and ``loss`` is its share.
    """

    model_config = ConfigDict(extra="forbid")

    loss: MoneyIn | None = None
    parties: list[PartyIn] = Field(min_length=1, max_length=100)


class AdministrativePenaltyIn(Correction):
    """An administrative penalty on one person (SPEC P3, P4, P5); billing prices it."""

    model_config = ConfigDict(extra="forbid")

    person_id: Ident
    department: Annotated[Code, Field(max_length=32)]
    unit: Ident
    level: Annotated[Code, Field(max_length=32)]
    ground: Annotated[Code, Field(max_length=60)]
    amount: MoneyIn | None = None


class PenaltyLineOut(BaseModel):
    """One decision for one bearer (SPEC P2–P5); ``amount`` is the loss share or the
    administrative amount stated, None where billing prices it (P3 major, P6 unit)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_no: str
    kind: str
    department: str
    person_id: str | None
    unit: str
    amount: Decimal | None
    loss_share: Decimal | None
    bearer: str
    bearer_level: str
    ground: str | None
    level: str | None
    month: str
    decided_at: datetime
    decided_by: str
    supersedes: int | None = Field(validation_alias="supersedes_id")
    superseded_by: int | None = Field(validation_alias="superseded_by_id")
    reason: str | None
    effective: bool
    notice_no: str | None
    status: str  # SPEC P3b: petitioned (awaits the GM) | approved
    approved_at: datetime | None = None
    approved_by: str | None = None
    hr_publication_no: str | None = None  # SPEC P3b: HR's 人事公布單
    hr_published_at: datetime | None = None
    hr_published_by: str | None = None


class RewardIn(BaseModel):
    """A reward (獎) for one person: an amount, a commendation, or both (SPEC P8b)."""

    model_config = ConfigDict(extra="forbid")

    person_id: Ident
    department: Annotated[Code, Field(max_length=32)]
    unit: Ident
    reason: Text
    amount: MoneyIn | None = None
    commendation: Text | None = None
    case_no: Annotated[Code, Field(max_length=16)] | None = None


class RewardOut(BaseModel):
    """A recorded reward; ``notice_no`` once a notice lists it (SPEC P8b)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: str
    department: str
    unit: str
    amount: Decimal | None
    commendation: str | None
    reason: str
    case_no: str | None
    month: str
    decided_at: datetime
    decided_by: str
    notice_no: str | None


class NoticeOut(BaseModel):
    """A reward/penalty notice (SPEC P8): drafted, approved by the GM, published (P8b).

    ``amount`` is what is deducted (to the company, P6b); ``reward_amount`` and
    ``rewards`` are the rewards listed beside it, never deducted (P8b).
    """

    model_config = ConfigDict(from_attributes=True)

    notice_no: str
    month: str
    person_id: str
    unit: str
    amount: Decimal
    case_nos: list[str]
    status: str
    drafted_at: datetime | None = None
    approved_at: datetime | None = None
    approved_by: str | None = None
    published_at: datetime | None
    published_by: str | None = None
    reward_amount: Decimal | None = None
    rewards: list[dict[str, Any]] = []
    deductions_to: str = "company"  # SPEC P6b: 罰扣金額歸屬公司


class PublishOut(BaseModel):
    """The month's notices; `published` counts those published by this call (SPEC P8);
    drafts awaiting the GM are listed but not sent (P8b)."""

    month: str
    published: int
    notices: list[NoticeOut]
