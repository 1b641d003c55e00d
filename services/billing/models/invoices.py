"""Invoicing tables: known vouchers, serial counters, price lists, invoices, payments
(SPEC S10, S13).

Invariants the schema enforces:

- serials (invoice, receipt, contract, warranty numbers) come from ``counters``: one row
  per (kind, scope, period), incremented in the caller's transaction, so a rolled-back
  request leaves no gap and the numbers stay unique per branch (SPEC S10/S13);
- a void invoice keeps its lines and gets an ``invoice_voids`` row; a refund is a negative
  payment that names the receipt it reverses (``reverses_receipt`` is unique, SPEC §8).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class BillingVoucher(Base):
    """A service voucher billing knows of, so paid work can be invoiced against it."""

    __tablename__ = "billing_vouchers"

    voucher_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(1))
    customer_id: Mapped[int] = mapped_column(Integer)
    customer_name: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[int | None] = mapped_column(Integer, index=True)  # E3: its cover
    created_at: Mapped[datetime]


class Counter(Base):
    """The last serial handed out per kind, branch and period (gap-free, SPEC S10/S13)."""

    __tablename__ = "counters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PriceListRow(Base):
    """A branch's own fees for paid work, overriding the defaults (SPEC S10/S13)."""

    __tablename__ = "price_lists"

    branch: Mapped[str] = mapped_column(String(16), primary_key=True)
    visit_fee: Mapped[Decimal]
    labour_rate_per_hour: Mapped[Decimal]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Invoice(Base):
    """An invoice for paid work, a contract fee or an extended warranty (SPEC S10, S13)."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("branch", "year", "serial", name="uq_invoice_serial"),)

    invoice_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # service | contract | extended_warranty
    voucher_no: Mapped[str | None] = mapped_column(String(32), index=True)
    ref: Mapped[str | None] = mapped_column(String(40), index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    service_mode: Mapped[str | None] = mapped_column(String(16))
    collection: Mapped[str] = mapped_column(String(16))  # on_site | invoice_later
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(8))  # paid | issued | void
    issued_on: Mapped[date]
    raised_at: Mapped[datetime]
    raised_by: Mapped[str] = mapped_column(String(64))
    mailed_at: Mapped[datetime | None]  # SPEC CT1: the claimed mailing time
    mailed_recorded_at: Mapped[datetime | None]
    mailed_backdate_reason: Mapped[str | None] = mapped_column(String(500))
    mailed_backdate_approved_by: Mapped[str | None] = mapped_column(String(64))


class CostedLine:
    """The columns of one costed item (visit, labour, a part): an invoice's and a warranty
    claim's lines are priced the same way (SPEC S10, E5)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit_price: Mapped[Decimal]
    amount: Mapped[Decimal]


class InvoiceLine(CostedLine, Base):
    """One charged item of an invoice; never changed after the invoice is raised."""

    __tablename__ = "invoice_lines"

    invoice_no: Mapped[str] = mapped_column(ForeignKey("invoices.invoice_no"), index=True)


class Payment(Base):
    """A payment and its receipt; a refund is a negative row reversing a receipt (S10)."""

    __tablename__ = "payments"

    receipt_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    invoice_no: Mapped[str] = mapped_column(ForeignKey("invoices.invoice_no"), index=True)
    amount: Mapped[Decimal]
    method: Mapped[str] = mapped_column(String(16))
    collected_by: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime]  # SPEC CT1: the claimed time of payment
    recorded_at: Mapped[datetime | None]  # when billing heard of it
    backdate_reason: Mapped[str | None] = mapped_column(String(500))
    backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    reverses_receipt: Mapped[str | None] = mapped_column(String(40), unique=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_role: Mapped[str] = mapped_column(String(32))


class InvoiceVoid(Base):
    """The reversing record of a voided invoice: who, when, why (SPEC S10, §8)."""

    __tablename__ = "invoice_voids"

    invoice_no: Mapped[str] = mapped_column(ForeignKey("invoices.invoice_no"), primary_key=True)
    amount: Mapped[Decimal]  # the negated invoice amount
    reason: Mapped[str] = mapped_column(String(500))
    voided_by: Mapped[str] = mapped_column(String(64))
    voided_role: Mapped[str] = mapped_column(String(32))
    voided_at: Mapped[datetime]
