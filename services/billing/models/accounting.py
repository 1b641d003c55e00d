"""Billing's accounting tables: returns, allowances, journal, receivables.

Bookings are append-only (SPEC §8): a journal entry is corrected by one reversing entry
(``reverses_id`` is unique), never edited. See :mod:`services.billing.models`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Allowance(Base):
    """A sales allowance certificate (銷貨折讓證明單, SPEC C13.1(1), C13.2(5))."""

    __tablename__ = "allowances"

    allowance_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    customer: Mapped[str] = mapped_column(String(200))
    order_no: Mapped[str | None] = mapped_column(String(40))
    part_no: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(20))  # awaiting_approval|ready|booked|reversed
    customer_signed_by: Mapped[str | None] = mapped_column(String(120))
    customer_signed_at: Mapped[datetime | None]
    proof: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime]


class AllowanceApproval(Base):
    """One approval of an allowance certificate, at manager or GM level (C13.1(1))."""

    __tablename__ = "allowance_approvals"
    __table_args__ = (UniqueConstraint("allowance_no", "level", name="uq_allowance_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    allowance_no: Mapped[str] = mapped_column(ForeignKey("allowances.allowance_no"), index=True)
    level: Mapped[str] = mapped_column(String(8))  # manager | gm
    role: Mapped[str] = mapped_column(String(32))
    approved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime]


class ReturnSlip(Base):
    """A finished-goods return slip (成品退貨單, SPEC C13.1(2), C13.2(1)/(4))."""

    __tablename__ = "return_slips"

    slip_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    handling: Mapped[str] = mapped_column(String(16))  # return | reprocess
    reason: Mapped[str] = mapped_column(String(200))
    customer: Mapped[str] = mapped_column(String(200))
    order_no: Mapped[str | None] = mapped_column(String(40))
    part_no: Mapped[str | None] = mapped_column(String(40))
    approved_qty: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None]  # credit for the approved quantity
    ratio: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))
    received_qty: Mapped[int | None] = mapped_column(Integer)
    received_by: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None]
    book_qty: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # awaiting_receipt|held|received|booked…
    proof: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime]
    # SPEC C13.1(2)b: the complaint's profile decides who approves; the approval, the
    # warehouse's signature for what it actually received and its note after asking.
    profile: Mapped[str | None] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(16))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_role: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None]
    signed_by: Mapped[str | None] = mapped_column(String(120))
    receipt_note: Mapped[str | None] = mapped_column(String(250))
    # SPEC C13.2(1)b: the amount on the proof, and the amount a review decided to book.
    stated_amount: Mapped[Decimal | None]
    review_amount: Mapped[Decimal | None]


class ReturnSlipCopy(Base):
    """One hop of one of a return slip's four copies (SPEC C13.1(2)b)."""

    __tablename__ = "return_slip_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slip_no: Mapped[str] = mapped_column(ForeignKey("return_slips.slip_no"), index=True)
    copy_no: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(20))
    routed_by: Mapped[str] = mapped_column(String(64))
    routed_at: Mapped[datetime]


class OrderRatio(Base):
    """A customer order's own over-acceptance ratio (超量允收比率, SPEC C13.2(1))."""

    __tablename__ = "order_ratios"

    order_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    ratio: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]


class JournalEntry(Base):
    """A journal voucher (傳票); append-only, corrected only by its reversal (C13.2, §8)."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_type: Mapped[str] = mapped_column(String(20))
    source_no: Mapped[str] = mapped_column(String(40), index=True)
    case_no: Mapped[str | None] = mapped_column(String(20), index=True)
    invoice_no: Mapped[str | None] = mapped_column(String(40), index=True)
    memo: Mapped[str] = mapped_column(String(300))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    booked_by: Mapped[str] = mapped_column(String(64))
    booked_role: Mapped[str] = mapped_column(String(32))
    booked_at: Mapped[datetime]


class JournalLineRow(Base):
    """One debit or credit of a journal entry."""

    __tablename__ = "journal_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(60))
    debit: Mapped[Decimal]
    credit: Mapped[Decimal]


class Receivable(Base):
    """A salesperson's receivable for a month on one part number (SPEC C13.2(3))."""

    __tablename__ = "receivables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    salesperson: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    part_no: Mapped[str] = mapped_column(String(40))
    order_no: Mapped[str | None] = mapped_column(String(40))
    customer: Mapped[str | None] = mapped_column(String(200))
    amount_due: Mapped[Decimal]
    amount_collected: Mapped[Decimal]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class CollectionDelay(Base):
    """A complaint delaying collection on a part number, until its booking (C13.2(3))."""

    __tablename__ = "collection_delays"

    case_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    part_no: Mapped[str] = mapped_column(String(40), index=True)
    order_no: Mapped[str | None] = mapped_column(String(40))
    opened_on: Mapped[date]
    resolved_on: Mapped[date | None]
