"""Bodies for abnormality sheets (SPEC C3) and retail gift borrowing (SPEC R2b)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import Code, ShortText, Text

Body = Annotated[Text, Field(min_length=1)]
Reference = Annotated[ShortText, Field(max_length=80)]


class SheetIn(BaseModel):
    """A no-loss quality issue filed for the unit concerned (SPEC C3)."""

    model_config = ConfigDict(extra="forbid")

    description: Body
    unit_role: Code = Field(description="the role of the unit that must improve, e.g. "
                                        "manufacturing, qa, counter")
    unit: ShortText | None = Field(default=None, description="the unit's name, if finer")
    caused_loss: bool = Field(default=False, description="true refuses: a loss is a "
                                                          "complaint (C3)")
    customer: ShortText | None = None
    order_no: Reference | None = None
    part_no: Reference | None = None
    branch: Code | None = None
    store_id: Code | None = None


class ImprovementIn(BaseModel):
    """What the unit concerned did about it (SPEC C3)."""

    model_config = ConfigDict(extra="forbid")

    improvement: Body


class CloseIn(BaseModel):
    """Closing an improved sheet (SPEC C3)."""

    model_config = ConfigDict(extra="forbid")

    note: Text | None = None


class SheetOut(BaseModel):
    """One abnormality sheet and what became of it (SPEC C3)."""

    id: int
    form: str
    status: str
    description: str
    unit_role: str
    unit: str | None
    branch: str | None
    store_id: str | None
    customer: str | None
    order_no: str | None
    part_no: str | None
    filed_at: datetime
    filed_by: str
    filed_role: str
    improvement: str | None
    improved_at: datetime | None
    improved_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None


class GiftBorrowingIn(BaseModel):
    """Gifts to borrow from another vendor for a retail case (SPEC R2b)."""

    model_config = ConfigDict(extra="forbid")

    vendor: ShortText
    gifts: Body
    counter_staff: Code | None = Field(
        default=None, description="the counter staff told and agreeing; the caller when a "
                                  "counter files it")


class GiftBorrowingOut(BaseModel):
    """A gift borrowing and its agreements (SPEC R2b)."""

    id: int
    case_no: str
    vendor: str
    gifts: str
    counter_staff: str
    requested_by: str
    requested_at: datetime
    organiser_agreed_by: str | None
    organiser_agreed_at: datetime | None
