"""Intake's tables: the customer file, the repair-call register and its reconciliations."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class Customer(Base):
    """A customer file; a merged duplicate stays, pointing at its survivor (SPEC §1)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("branch", "phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(80))
    # How the customer hears back (issue 14): letters go by e-mail when there is one,
    # otherwise by post to ``address``; in ``language`` (zh-Hans|zh-Hant|en).
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    merged_at: Mapped[datetime | None]
    merged_by: Mapped[str | None] = mapped_column(String(64))


class Product(Base):
    """A registered product: model, serial, purchase, seller, maker's warranty end."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model: Mapped[str] = mapped_column(String(80))
    serial: Mapped[str] = mapped_column(String(80))
    purchased_on: Mapped[date] = mapped_column(Date)
    warranty_months: Mapped[int] = mapped_column(Integer)
    warranty_ends_on: Mapped[date] = mapped_column(Date)
    seller: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    # SPEC R2b: the 三包 product category (shared/reference/sanbao.json); none: no offer.
    category: Mapped[str | None] = mapped_column(String(40))


class ProductCover(Base):
    """A maintenance contract or extended warranty over a product.

    Learned from billing's ``CoverGranted``, or, for an extended warranty sold at a
    store's till, recorded from the sale itself (SPEC S6, E1) with ``ref`` empty until
    billing's contract number arrives and is attached to the same row (``source`` says
    which sale it came from).
    """

    __tablename__ = "product_covers"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(140))
    granted_at: Mapped[datetime | None]

    @property
    def pending(self) -> bool:
        """Recorded from the sale, still waiting for the contract's number."""
        return self.ref is None


class _CallReadings:
    """What a register line derives from its columns, for a loaded ``Call`` and a
    ``WrittenCall`` alike."""

    @property
    def backdated(self) -> bool:
        """SPEC CT1: recorded later than the branch's window, on an approver's authority."""
        return self.backdate_approved_by is not None


class WrittenCall(_CallReadings, SimpleNamespace):
    """A call as ``register_call`` wrote it: each column of ``calls`` an attribute. Not an
    ORM ``Call``: nothing tracks it, and building the instrumented object and reading it
    back cost a tenth of a call's CPU (issue 17)."""


class Call(_CallReadings, Base):
    """One line of the repair-call register, with its service voucher (SPEC S8).

    The customer's name, phone, address and the product model are copied as the clerk
    wrote them (S8), so the register stays true after a customer file is merged.
    """

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    voucher_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    customer_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(80))
    symptom: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(1))
    # SPEC E3: billing refused the cover of a B call (misuse, …): the call became A.
    category_reason: Mapped[str | None] = mapped_column(String(200))
    category_before: Mapped[str | None] = mapped_column(String(1))
    cover_refused_ref: Mapped[str | None] = mapped_column(String(64))
    category_changed_at: Mapped[datetime | None]
    sla_class: Mapped[str] = mapped_column(String(16))
    # SPEC CT1: ``received_at`` is the claimed receipt (a document call may be keyed
    # later); ``recorded_at`` when intake heard of it; an entry older than the branch's
    # desk window carries its approver and reason.
    received_at: Mapped[datetime]
    recorded_at: Mapped[datetime | None]
    backdate_reason: Mapped[str | None] = mapped_column(String(500))
    backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    register_date: Mapped[date] = mapped_column(Date, index=True)
    arrival_due_at: Mapped[datetime]
    # SPEC S19: the deadline counted a day of a year with no official holiday schedule.
    arrival_due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(64))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    prioritised_at: Mapped[datetime | None]
    priority_reason: Mapped[str | None] = mapped_column(String(200))
    # SPEC R2b: the 三包 remedy offered at registration and the last day to take it.
    sanbao_remedy: Mapped[str | None] = mapped_column(String(8))
    sanbao_window_ends_on: Mapped[date | None] = mapped_column(Date)
    technician_id: Mapped[str | None] = mapped_column(String(16))
    assigned_reported_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    in_service_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    filed_at: Mapped[datetime | None]
    filed_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))


class Reconciliation(Base):
    """One morning's reconciliation of a branch's register (SPEC S18)."""

    __tablename__ = "reconciliations"
    __table_args__ = (UniqueConstraint("branch", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    run_at: Mapped[datetime]
    run_by: Mapped[str] = mapped_column(String(64))
    flagged: Mapped[int] = mapped_column(Integer, default=0)


class PosTransaction(Base):
    """A POS message applied once: the key of idempotency and the first answer (SPEC §7)."""

    __tablename__ = "pos_transactions"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, object]] = mapped_column(JSON)


class PosReject(Base):
    """A refused POS message, kept for inspection (SPEC §7): its headers, its size, the
    SHA-256 of the whole body and only the first ``REJECT_BODY_BYTES`` of it, so unsigned
    junk cannot fill the database."""

    __tablename__ = "pos_rejects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    store_id: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(120))
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the first bytes only, as text
    truncated: Mapped[bool] = mapped_column(Boolean)


plumbing = Plumbing(Base.metadata)
