"""Dispatch's request and response bodies (CONTRACT "Dispatch").

Every request field is validated at the edge with ``shared.fields`` and ``shared.money``
(issue 11): strict integers, text without control characters, money as decimal strings
(a float ``unit_price`` is refused), instants and dates within a plausible window.
Whether a time lies in the future is judged by the use case against its clock, and
whether a claimed time is too old to take without an approver (SPEC CT1): every claimed
time has an optional ``backdate_reason`` beside it.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
)

from shared.fields import Code, FutureDate, PastDate, PastInstant, ShortText, Text
from shared.money import MoneyIn

from .domain.visits import Cause, Component

# A person's name as signed: one line, 1..120 characters once trimmed.
Name = Annotated[ShortText, StringConstraints(min_length=1, max_length=120)]
Minutes = Annotated[int, Field(strict=True, ge=0, le=24 * 60)]
WorkMinutes = Annotated[int, Field(strict=True, ge=1, le=24 * 60)]
# SPEC CT1: why an entry is recorded later than its window allows (with an approver).
BackdateReason = Annotated[Text, StringConstraints(max_length=2000)]

# A signature drawn on the technician's screen: a PNG data URL of at most ~200 kB.
PNG_DATA_URL_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_BYTES = 200 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_data_url(value: str) -> str:
    if not value.startswith(PNG_DATA_URL_PREFIX):
        raise ValueError(f"must be a PNG data URL ({PNG_DATA_URL_PREFIX}...)")
    try:
        raw = base64.b64decode(value[len(PNG_DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValueError(f"is larger than {MAX_SIGNATURE_BYTES // 1024} kB")
    if not raw.startswith(_PNG_MAGIC):
        raise ValueError("is not a PNG image")
    return value


SignatureImage = Annotated[
    str,
    StringConstraints(max_length=len(PNG_DATA_URL_PREFIX) + (MAX_SIGNATURE_BYTES + 2) // 3 * 4),
    AfterValidator(_png_data_url),
]

# Numbers in paths: papers that cannot exist (bad characters, too long) are refused 422
# before any query (a NUL byte would otherwise reach PostgreSQL).
_NUMBER = r"^[A-Za-z0-9_.:\-]+$"
VoucherNo = Annotated[str, Path(min_length=1, max_length=48, pattern=_NUMBER)]
RepairCardNo = Annotated[str, Path(min_length=1, max_length=32, pattern=_NUMBER)]
StaffId = Annotated[str, Path(min_length=1, max_length=64, pattern=_NUMBER)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartIn(_In):
    part_no: Code
    quantity: int = Field(strict=True, ge=1, le=10_000)
    unit_price: MoneyIn


class BoardLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    voucher_no: str
    kind: str
    category: str
    priority: bool
    priority_reason: str | None
    arrival_due_at: datetime
    status: str
    technician_id: str | None
    sla_class: str
    customer_name: str
    district: str
    model: str
    # S19/§calendar: the arrival deadline counted a day without an official schedule.
    arrival_due_provisional: bool = False
    # CT1: the arrival as accepted, when the server heard of it, and its approver if late.
    arrived_at: datetime | None = None
    arrival_recorded_at: datetime | None = None
    arrival_backdate_approved_by: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def arrival_backdated(self) -> bool:
        """CT1: the arrival was recorded later than the device window, on approval."""
        return self.arrival_backdate_approved_by is not None


class AssignIn(_In):
    technician_id: Code


class ArriveIn(_In):
    at: PastInstant | None = None
    backdate_reason: BackdateReason | None = None


class FindingsIn(_In):
    """SPEC E3/E4: what failed and why; required for a covered (B) job."""

    component: Component | None = None
    cause: Cause | None = None
    repairable: bool = Field(default=True, strict=True)


class CompleteIn(FindingsIn):
    labour_minutes: WorkMinutes
    parts: Annotated[list[PartIn], Field(max_length=100)] = []
    signed_by: Name
    signature_image: SignatureImage | None = None
    at: PastInstant | None = None
    backdate_reason: BackdateReason | None = None


class CarryInIn(_In):
    promised_on: FutureDate
    signed_by: Name
    signature_image: SignatureImage | None = None


class WorkIn(_In):
    minutes: Minutes
    parts: Annotated[list[PartIn], Field(max_length=100)] = []
    at: PastInstant | None = None
    backdate_reason: BackdateReason | None = None


class HelpIn(_In):
    reason: Annotated[Text, StringConstraints(min_length=1, max_length=2000)]


class InspectIn(_In):
    note: Annotated[Text, StringConstraints(max_length=2000)] | None = None


class ReturnIn(FindingsIn):
    signed_by: Name
    pickup_receipt_no: Code


class WorkLogIn(_In):
    day: PastDate = Field(alias="date")
    category: Annotated[str, StringConstraints(pattern=r"^[ABCD]$")]
    minutes: WorkMinutes
    note: Annotated[Text, StringConstraints(max_length=2000)] = ""
    backdate_reason: BackdateReason | None = None


class SignReportIn(_In):
    branch: Code
    day: PastDate = Field(alias="date")


class VoucherOut(BaseModel):
    """The voucher's own fields."""

    model_config = ConfigDict(from_attributes=True)

    voucher_no: str
    kind: str
    call_id: int | None
    contract_no: str | None
    branch: str
    category: str
    sla_class: str
    customer_name: str
    district: str
    model: str
    symptom: str
    received_at: datetime
    arrival_due_at: datetime
    arrival_due_provisional: bool = False
    priority: bool
    priority_reason: str | None
    status: str
    technician_id: str | None
    assigned_at: datetime | None
    arrived_at: datetime | None
    arrival_recorded_at: datetime | None
    arrival_recorded_by: str | None = None
    arrival_backdate_reason: str | None = None
    arrival_backdate_approved_by: str | None = None
    sla_met: bool | None
    service_mode: str | None
    labour_minutes: int | None
    signed_by: str | None
    completed_at: datetime | None
    completion_recorded_at: datetime | None = None
    completion_backdate_reason: str | None = None
    completion_backdate_approved_by: str | None = None
    component: str | None = None
    cause: str | None = None
    repairable: bool | None = None
    cancelled_at: datetime | None
    cancel_reason: str | None


class ArrivalOut(BaseModel):
    voucher_no: str
    arrived_at: datetime
    recorded_at: datetime
    sla_met: bool
    arrival_due_at: datetime
    arrival_due_provisional: bool = False
    recorded_by: str | None = None
    backdate_reason: str | None = None
    backdate_approved_by: str | None = None


class CarryInOut(BaseModel):
    voucher_no: str
    pickup_receipt_no: str
    repair_card_no: str
    promised_on: date


class RepairCardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    repair_card_no: str
    pickup_receipt_no: str
    voucher_no: str
    technician_id: str
    promised_on: date
    overdue_at: datetime
    status: str
    opened_at: datetime
    inspected_at: datetime | None
    inspected_by: str | None
    returned_at: datetime | None
    receipt_voided_at: datetime | None
    escalated_at: datetime | None
    labour_minutes: int = 0


class SignatureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document: str
    document_no: str
    purpose: str
    signer: str
    signer_role: str
    signed_at: datetime
    recorded_by: str


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    technician_id: str
    assigned_by: str
    assigned_at: datetime
    reassigned: bool


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    part_no: str
    quantity: int
    unit_price: Decimal
    repair_card_no: str | None


class WorkshopEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    repair_card_no: str
    in_at: datetime
    in_on: date
    promised_on: date
    out_at: datetime | None
    out_on: date | None


class VoucherHistory(VoucherOut):
    """A voucher's whole paper trail in one answer (SPEC §8)."""

    assignments: list[AssignmentOut]
    signatures: list[SignatureOut]
    parts: list[PartOut]
    repair_card: RepairCardOut | None
    workshop_entry: WorkshopEntryOut | None
    timeline: list[dict[str, Any]]


class EscalationOut(BaseModel):
    voucher_no: str
    repair_card_no: str
    technician_id: str
    promised_on: date
    overdue_at: datetime
    escalated_at: datetime | None
    returned_at: datetime | None


class WorkLogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    technician_id: str
    day: date = Field(serialization_alias="date")
    category: str
    minutes: int
    source: str
    voucher_no: str | None
    note: str | None
    logged_at: datetime | None = None
    logged_by: str | None = None
    backdate_reason: str | None = None
    backdate_approved_by: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def backdated(self) -> bool:
        """CT1: logged later than the device window allows, on an approver's authority."""
        return self.backdate_approved_by is not None


class ArrivalLine(BaseModel):
    """An arrival of the day as reports show it: judged (S19) and, if recorded later than
    the device window allows, marked back-dated with its approver (CT1)."""

    voucher_no: str
    technician_id: str | None
    arrived_at: datetime
    recorded_at: datetime | None
    arrival_due_at: datetime
    sla_met: bool | None
    backdated: bool
    backdate_reason: str | None
    backdate_approved_by: str | None


class TechnicianReport(BaseModel):
    technician_id: str
    date: date
    minutes_by_category: dict[str, int]
    total_minutes: int
    entries: list[WorkLogOut]
    arrivals: list[ArrivalLine] = []
    backdated_entries: int = 0


class SupervisorReport(BaseModel):
    branch: str
    date: date
    minutes_by_category: dict[str, int]
    by_technician: dict[str, dict[str, int]]
    total_minutes: int
    signed: bool
    signed_by: str | None
    signed_at: datetime | None
    arrivals: list[ArrivalLine] = []
    backdated_arrivals: int = 0
