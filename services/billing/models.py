"""Billing's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class BillingVoucher(Base):
    """A service voucher billing knows of, so paid work can be invoiced against it."""

    __tablename__ = "billing_vouchers"

    voucher_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(1))
    customer_id: Mapped[int] = mapped_column(Integer)
    customer_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


plumbing = Plumbing(Base.metadata)
