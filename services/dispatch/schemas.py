"""Dispatch's request and response bodies (CONTRACT "Dispatch")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class BoardLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    voucher_no: str
    category: str
    priority: bool
    arrival_due_at: datetime
    status: str
    technician_id: str | None
    sla_class: str
    customer_name: str
    district: str
