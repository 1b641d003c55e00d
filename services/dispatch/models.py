"""Dispatch's tables: vouchers on the board and every paper that follows them.

Vouchers, assignments, signatures, parts, repair cards, the workshop in/out register,
escalations, work logs and the signed daily reports (SPEC S8–S20, §8).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Money, UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class Voucher(Base):
    """A service voucher handed to the supervisor for dispatch (SPEC S8), or an S20
    renewal visit (``kind = renewal``, no call)."""

    __tablename__ = "vouchers"

    voucher_no: Mapped[str] = mapped_column(String(48), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="call")
    call_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    contract_no: Mapped[str | None] = mapped_column(String(32))
    branch: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(1))
    sla_class: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(Integer)
    customer_name: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80))
    symptom: Mapped[str] = mapped_column(String(2000))
    received_at: Mapped[datetime]
    arrival_due_at: Mapped[datetime]
    # SPEC S19/§calendar: the deadline counted a day of a year with no official schedule.
    arrival_due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_reason: Mapped[str | None] = mapped_column(String(200))
    prioritised_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[str | None] = mapped_column(String(16))
    assigned_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]  # the claimed (device) time, as accepted (S19, CT1)
    arrival_recorded_at: Mapped[datetime | None]  # when the server received it
    arrival_recorded_by: Mapped[str | None] = mapped_column(String(64))
    # SPEC CT1: set when the arrival was recorded later than the device window allows.
    arrival_backdate_reason: Mapped[str | None] = mapped_column(Text)
    arrival_backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    sla_met: Mapped[bool | None] = mapped_column(Boolean)
    service_mode: Mapped[str | None] = mapped_column(String(16))
    labour_minutes: Mapped[int | None] = mapped_column(Integer)
    signed_by: Mapped[str | None] = mapped_column(String(120))
    completed_at: Mapped[datetime | None]  # claimed (device) time on site; receipt on return
    completion_recorded_at: Mapped[datetime | None]
    completion_backdate_reason: Mapped[str | None] = mapped_column(Text)
    completion_backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    # SPEC E3/E4: what failed, why, and whether the unit can be repaired at all.
    component: Mapped[str | None] = mapped_column(String(32))
    cause: Mapped[str | None] = mapped_column(String(32))
    repairable: Mapped[bool | None] = mapped_column(Boolean)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]

    # SPEC S8/S18: the board reads a branch's open vouchers slice by slice (status,
    # priority, kind) in deadline order (service.board); partial, so the closed vouchers of
    # years, most of the table, are not in it and cost the board nothing.
    __table_args__ = (
        Index("ix_vouchers_board", "branch", "status", "priority", "kind", "arrival_due_at",
              "voucher_no", postgresql_include=["received_at"],
              postgresql_where=text("status NOT IN ('completed', 'cancelled')"),
              sqlite_where=text("status NOT IN ('completed', 'cancelled')")),
    )


class Assignment(Base):
    """Each time the supervisor gave the voucher to a technician (SPEC S8)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_no: Mapped[str] = mapped_column(ForeignKey("vouchers.voucher_no"), index=True)
    technician_id: Mapped[str] = mapped_column(String(16))
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime]
    reassigned: Mapped[bool] = mapped_column(Boolean)


class Signature(Base):
    """A signature on a paper: who signed, in what capacity, when, on which document (§8)."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_no: Mapped[str | None] = mapped_column(String(48), index=True)
    document: Mapped[str] = mapped_column(String(32))  # voucher, pickup_receipt, ...
    document_no: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))  # completion, carry_in, inspection, ...
    signer: Mapped[str] = mapped_column(String(120))
    signer_role: Mapped[str] = mapped_column(String(32))  # customer, technician, ...
    signed_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))
    # The signature as drawn on the technician's screen: a PNG data URL (issue 12).
    image: Mapped[str | None] = mapped_column(Text)


class PartLine(Base):
    """A part replaced on a voucher, on site or on its repair card (SPEC S9, S12)."""

    __tablename__ = "part_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_no: Mapped[str] = mapped_column(ForeignKey("vouchers.voucher_no"), index=True)
    repair_card_no: Mapped[str | None] = mapped_column(String(32))
    part_no: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    logged_by: Mapped[str] = mapped_column(String(64))
    logged_at: Mapped[datetime]


class RepairCard(Base):
    """The repair card of a carried-in product, with its pick-up receipt (SPEC S11–S14)."""

    __tablename__ = "repair_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repair_card_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    pickup_receipt_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    voucher_no: Mapped[str] = mapped_column(ForeignKey("vouchers.voucher_no"), unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    technician_id: Mapped[str] = mapped_column(String(16))
    promised_on: Mapped[date] = mapped_column(Date)
    overdue_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    inspected_at: Mapped[datetime | None]
    inspected_by: Mapped[str | None] = mapped_column(String(64))
    inspection_note: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None]
    receipt_voided_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class RepairWork(Base):
    """Labour logged on a repair card (SPEC S12)."""

    __tablename__ = "repair_work"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repair_card_no: Mapped[str] = mapped_column(String(32), index=True)
    technician_id: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    worked_at: Mapped[datetime]  # claimed (device) time (CT1)
    recorded_at: Mapped[datetime | None]
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    backdate_reason: Mapped[str | None] = mapped_column(Text)
    backdate_approved_by: Mapped[str | None] = mapped_column(String(64))


class WorkshopEntry(Base):
    """A line of the customer-product in/out register (SPEC S11, S12)."""

    __tablename__ = "workshop_register"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    repair_card_no: Mapped[str] = mapped_column(String(32), unique=True)
    voucher_no: Mapped[str] = mapped_column(String(48))
    customer_name: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(80))
    in_at: Mapped[datetime]
    in_on: Mapped[date] = mapped_column(Date)
    promised_on: Mapped[date] = mapped_column(Date)
    out_at: Mapped[datetime | None]
    out_on: Mapped[date | None] = mapped_column(Date)


class Escalation(Base):
    """A carry-in repair that missed its promised date, sent to the supervisor (SPEC S14)."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repair_card_no: Mapped[str] = mapped_column(String(32), unique=True)
    voucher_no: Mapped[str] = mapped_column(String(48))
    branch: Mapped[str] = mapped_column(String(16), index=True)
    promised_on: Mapped[date] = mapped_column(Date)
    overdue_at: Mapped[datetime]
    escalated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class WorkLog(Base):
    """A piece of a technician's work in a day, by category (SPEC S6, S15)."""

    __tablename__ = "work_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    technician_id: Mapped[str] = mapped_column(String(16), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(1))
    minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # on_site, workshop, renewal, manual
    voucher_no: Mapped[str | None] = mapped_column(String(48))
    note: Mapped[str | None] = mapped_column(Text)
    logged_at: Mapped[datetime]  # when the server received it (CT1's receipt time)
    logged_by: Mapped[str] = mapped_column(String(64))
    # SPEC CT1: a claimed day (or time) older than the device window, and who approved it.
    backdate_reason: Mapped[str | None] = mapped_column(Text)
    backdate_approved_by: Mapped[str | None] = mapped_column(String(64))


class ReportDay(Base):
    """A branch's supervisor daily report; once signed its sums are frozen (SPEC S16, S17).

    The row is also the lock that keeps a signature and new work logs from interleaving.
    """

    __tablename__ = "report_days"

    branch: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[str | None] = mapped_column(String(64))
    minutes_by_category: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    by_technician: Mapped[dict[str, Any] | None] = mapped_column(JSON)


plumbing = Plumbing(Base.metadata)
