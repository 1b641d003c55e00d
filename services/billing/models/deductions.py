"""Billing's deduction tables: decisions received, what each person owes, the stored
schedule and the closed payroll months (SPEC P3, P6, P7).

Invariants: a decision is received once (``decision_id``); each charge is one person's
priced share of one decision, a correction adds a reversing charge (``reverses_id``
unique) and never edits the original; ``deduction_entries`` is the schedule, stored, and
rows of a closed month are never deleted or changed; months close in order, so every
month up to ``payroll_state.closed_through`` is closed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PenaltyDecisionRow(Base):
    """A penalty decision as complaints published it (``PenaltyDecided``) and its status."""

    __tablename__ = "penalty_decisions"

    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_no: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(16))
    month: Mapped[str | None] = mapped_column(String(7))
    unit: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[str | None] = mapped_column(String(64))
    bearer_level: Mapped[str | None] = mapped_column(String(16))
    loss_share: Mapped[Decimal | None]
    grade: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None]
    supersedes: Mapped[int | None]
    # priced | held (the register cannot price it yet) | superseded | pending (a correction
    # named it before it arrived)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(400))
    received_at: Mapped[datetime]


class Charge(Base):
    """One person's priced share of one decision; a reversal is a negative charge."""

    __tablename__ = "penalty_charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("penalty_decisions.decision_id"),
                                             index=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    case_no: Mapped[str | None] = mapped_column(String(20))
    # economic (P6, capped by P7) | administrative (P3 warning / minor, outside the cap)
    # | major (P3: the whole bonus of ``month``, outside the cap)
    kind: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))  # the decision's month: deducted from here
    amount: Mapped[Decimal | None]  # None for a major demerit: the month's bonus
    basis: Mapped[str] = mapped_column(String(400))  # how it was priced, for the person
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("penalty_charges.id"),
                                                    unique=True)
    created_at: Mapped[datetime]


class DeductionEntry(Base):
    """The stored schedule: an amount taken from (or, negative, repaid to) one month."""

    __tablename__ = "deduction_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("penalty_charges.id"))
    amount: Mapped[Decimal]
    planned_at: Mapped[datetime]


class PayrollMonth(Base):
    """A closed payroll month: its entries and bonuses are final (SPEC P7)."""

    __tablename__ = "payroll_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_at: Mapped[datetime]
    closed_by: Mapped[str] = mapped_column(String(64))


class PayrollState(Base):
    """One row, locked by every change to the schedule, so a close and a re-plan never
    interleave; ``closed_through`` is the last closed month."""

    __tablename__ = "payroll_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed_through: Mapped[str | None] = mapped_column(String(7))
