"""Events published by dispatch."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from .base import Event


class PartUsed(BaseModel):
    part_no: str
    quantity: int
    unit_price: str  # decimal string


class VoucherAssigned(Event):
    """The supervisor gave the voucher to a technician (SPEC S8)."""

    event_type = "dispatch.voucher.assigned.v1"

    voucher_no: str
    call_id: int
    branch: str
    technician_id: str
    assigned_by: str
    reassigned: bool = False


class TechnicianArrived(Event):
    """The technician reached the customer; ``sla_met`` judges SPEC S19."""

    event_type = "dispatch.voucher.arrived.v1"

    voucher_no: str
    call_id: int
    branch: str
    technician_id: str
    arrived_at: datetime
    sla_met: bool
    # SPEC CT1: when the server heard of the arrival; who approved it if recorded late.
    recorded_at: datetime | None = None
    backdate_approved_by: str | None = None


class CarryInStarted(Event):
    """The product was taken to the workshop with a pick-up receipt (SPEC S11)."""

    event_type = "dispatch.carry_in.started.v1"

    voucher_no: str
    call_id: int
    branch: str
    technician_id: str
    pickup_receipt_no: str
    repair_card_no: str
    promised_on: date


class RepairOverdue(Event):
    """A carry-in repair missed its promised date and went to the supervisor (SPEC S14)."""

    event_type = "dispatch.repair.overdue.v1"

    voucher_no: str
    branch: str
    repair_card_no: str
    promised_on: date


class VoucherCompleted(Event):
    """The job is done and signed by the customer (SPEC S9 on site, S12 carry-in return).

    Billing invoices paid (A) work from it: on site per S10, carry-in on the return day
    per S13. Intake cancels and files the call.
    """

    event_type = "dispatch.voucher.completed.v1"

    voucher_no: str
    call_id: int
    branch: str
    category: str
    technician_id: str
    service_mode: str  # "on_site" | "carry_in"
    labour_minutes: int
    parts: list[PartUsed]
    signed_by: str
    completed_at: datetime
    # SPEC E3/E4: what the technician found, so billing can apply an extended warranty's
    # cover: the failed part (billing's Component values), why it failed (Cause values:
    # defect, wear, power_surge, misuse, accidental_damage), and whether the unit can be
    # repaired at all (False asks for a replacement under E4).
    component: str | None = None
    cause: str | None = None
    repairable: bool = True


class SupervisorReportSigned(Event):
    """A branch's supervisor daily report was signed by the branch manager (SPEC S17)."""

    event_type = "dispatch.supervisor_report.signed.v1"

    branch: str
    day: date
    minutes_by_category: dict[str, int]
    signed_by: str


class RenewalVisitCompleted(Event):
    """A technician visited the customer about a maintenance contract's renewal (SPEC S20)."""

    event_type = "dispatch.renewal_visit.completed.v1"

    voucher_no: str
    contract_no: str
    branch: str
    customer_id: int | None
    product_id: int | None
    technician_id: str
    signed_by: str
    completed_at: datetime
