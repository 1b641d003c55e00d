"""Survey's request and response bodies (CONTRACT "Survey")."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class CardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    voucher_no: str
    branch: str
    call_date: date
    technician_id: str | None
    status: str
