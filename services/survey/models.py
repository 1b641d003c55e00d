"""Survey's tables: one opinion card per call (SPEC Q24)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class SurveyCard(Base):
    """A customer opinion survey card for one call (SPEC Q24: every call, no sampling)."""

    __tablename__ = "survey_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, unique=True)
    voucher_no: Mapped[str] = mapped_column(String(32), unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    call_date: Mapped[date] = mapped_column(Date, index=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    technician_id: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


plumbing = Plumbing(Base.metadata)
