"""Intake's request and response bodies (CONTRACT "Intake")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-.]{5,30}$")]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    phone: Phone
    address: Text
    district: Text
    branch: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str
    address: str
    district: str
    branch: str
    created_at: datetime


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    model: Text
    serial: Text
    purchased_on: date
    warranty_months: int = Field(ge=0, le=240)
    seller: Text | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    model: str
    serial: str
    purchased_on: date
    warranty_months: int
    warranty_ends_on: date
    seller: str | None


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    product_id: int
    symptom: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    received_at: AwareDatetime | None = None
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|document|pos|web)$")] = "phone"


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    branch: str
    voucher_no: str
    customer_id: int
    product_id: int
    symptom: str
    channel: str
    category: str
    sla_class: str
    received_at: datetime
    arrival_due_at: datetime
    status: str
    registered_by: str
