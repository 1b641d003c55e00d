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
    merged_into: int | None = None


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    model: Text
    serial: Text
    purchased_on: date
    warranty_months: int = Field(ge=0, le=240)
    seller: Text | None = None


class CoverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    ref: str
    starts_on: date
    ends_on: date


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


class ProductFileOut(ProductOut):
    covers: list[CoverOut] = []


class CustomerFileOut(CustomerOut):
    """The customer file: the customer, their products and what covers each (SPEC §1)."""

    merged_at: datetime | None = None
    merged_by: str | None = None
    products: list[ProductFileOut] = []
    call_ids: list[int] = []
    merged_duplicates: list[int] = []


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: int


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    product_id: int
    symptom: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    received_at: AwareDatetime | None = None
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|document|pos|web)$")] = "phone"


class CallOut(BaseModel):
    """A line of the register; ``status`` per CONTRACT, filing shown by ``filed_at``."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    branch: str
    voucher_no: str
    customer_id: int
    product_id: int
    customer_name: str
    phone: str
    address: str
    district: str
    model: str
    symptom: str
    channel: str
    category: str
    sla_class: str
    received_at: datetime
    register_date: date
    arrival_due_at: datetime
    status: str
    registered_by: str
    priority: bool
    priority_reason: str | None
    technician_id: str | None
    dispatched_at: datetime | None
    in_service_at: datetime | None
    completed_at: datetime | None
    filed: bool = False
    filed_at: datetime | None
    filed_by: str | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, call: object) -> CallOut:
        """The register line of ``call``, with ``filed`` derived from ``filed_at``."""
        out = cls.model_validate(call)
        return out.model_copy(update={"filed": out.filed_at is not None})


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class FlaggedCall(BaseModel):
    call_id: int
    voucher_no: str
    register_date: date


class ReconciliationOut(BaseModel):
    """A morning reconciliation: the calls it sent to the supervisor as priority (S18)."""

    branch: str
    date: date
    run_by: str
    flagged: list[FlaggedCall]
    priority_calls: list[FlaggedCall]
