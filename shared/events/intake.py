"""Events published by intake."""

from __future__ import annotations

from datetime import datetime

from .base import Event


class CallRegistered(Event):
    """A repair call was entered in the register and its voucher issued (SPEC S8)."""

    event_type = "intake.call.registered.v1"

    call_id: int
    voucher_no: str
    branch: str
    customer_id: int
    customer_name: str
    district: str
    product_id: int
    model: str
    serial: str
    symptom: str
    category: str
    sla_class: str
    received_at: datetime
    arrival_due_at: datetime
    registered_by: str
