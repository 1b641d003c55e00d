"""Billing's staff register (payroll): people, their unit and base points, and monthly
efficiency bonuses, each change kept with its history (SPEC P3, P5, P6, P7).

Invariants: ``staff`` holds a person's values in force now; every change appends a
``staff_changes`` row (effective month, who, when) and the values in force for a month are
those of the latest change effective on or before it. ``bonuses`` holds one amount per
person and month; every recording appends a ``bonus_changes`` row with the value before.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StaffMember(Base):
    """A person on the payroll and the values in force now (SPEC P5, P6)."""

    __tablename__ = "staff"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(64), index=True)  # smallest group unit (P5)
    section: Mapped[str | None] = mapped_column(String(64), index=True)  # section / dept
    base_points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class StaffChange(Base):
    """One change of a person's unit or base points, effective from a month (history)."""

    __tablename__ = "staff_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("staff.person_id"), index=True)
    effective_month: Mapped[str] = mapped_column(String(7))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(64))
    section: Mapped[str | None] = mapped_column(String(64))
    base_points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class Bonus(Base):
    """A person's efficiency bonus (效率獎金) for a payroll month (SPEC P3, P7)."""

    __tablename__ = "bonuses"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    amount: Mapped[Decimal]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class BonusChange(Base):
    """One recording of a month's bonus, with the amount it replaced (history)."""

    __tablename__ = "bonus_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[Decimal]
    before: Mapped[Decimal | None]
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
