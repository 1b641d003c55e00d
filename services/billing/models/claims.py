"""Cover applied per call: the judgement, claims for covered work, replacements
(SPEC E3, E4, E5, S6 B).

Invariants the schema enforces:

- one cover judgement per voucher (``cover_checks.voucher_no`` is the key), so a
  redelivered completion never judges twice;
- one claim per voucher and kind (``repair`` for the work, ``replacement`` for a new
  unit), numbered gap-free per branch and year; its lines never change;
- one replacement request per voucher; who decided it and when are on the row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .invoices import CostedLine


class CoverCheck(Base):
    """How billing judged a B call's cover from what the technician found (SPEC E3)."""

    __tablename__ = "cover_checks"

    voucher_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    cover_kind: Mapped[str] = mapped_column(String(20))  # contract | extended_warranty
    ref: Mapped[str] = mapped_column(String(40), index=True)
    component: Mapped[str | None] = mapped_column(String(32))
    cause: Mapped[str | None] = mapped_column(String(32))
    repairable: Mapped[bool]
    covered: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(60))  # why not covered
    invoice_no: Mapped[str | None] = mapped_column(String(40))  # refused: the A invoice
    checked_at: Mapped[datetime]


class WarrantyClaim(Base):
    """Covered work costed as A work would be, claimed against the cover (SPEC E5, S6 B)."""

    __tablename__ = "warranty_claims"
    __table_args__ = (UniqueConstraint("voucher_no", "kind", name="uq_claim_voucher_kind"),)

    claim_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    voucher_no: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # repair | replacement
    cover_kind: Mapped[str] = mapped_column(String(20))  # contract | extended_warranty
    ref: Mapped[str] = mapped_column(String(40), index=True)
    provider: Mapped[str | None] = mapped_column(String(40), index=True)  # None: the company
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(12))  # open|submitted|paid|rejected|booked
    opened_at: Mapped[datetime]
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None]
    settled_by: Mapped[str | None] = mapped_column(String(64))
    settled_at: Mapped[datetime | None]
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(500))


class ClaimLine(CostedLine, Base):
    """One costed item of a claim: visit, labour, part or the replacement unit (SPEC E5)."""

    __tablename__ = "warranty_claim_lines"

    claim_no: Mapped[str] = mapped_column(ForeignKey("warranty_claims.claim_no"), index=True)


class ReplacementRequest(Base):
    """A unit the technician could not repair, to be replaced under its cover (SPEC E4)."""

    __tablename__ = "replacement_requests"

    request_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    voucher_no: Mapped[str] = mapped_column(String(32), unique=True)
    warranty_no: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | refused
    requested_at: Mapped[datetime]
    technician_id: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_role: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    decided_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))
    provider_ref: Mapped[str | None] = mapped_column(String(80))
