"""Dispatch's tables: service vouchers on the supervisor's board."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class Voucher(Base):
    """A service voucher handed to the supervisor for dispatch (SPEC S8)."""

    __tablename__ = "vouchers"

    voucher_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(1))
    sla_class: Mapped[str] = mapped_column(String(16))
    customer_name: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80))
    symptom: Mapped[str] = mapped_column(String(2000))
    received_at: Mapped[datetime]
    arrival_due_at: Mapped[datetime]
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]


plumbing = Plumbing(Base.metadata)
