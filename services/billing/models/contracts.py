"""Cover sold by billing: maintenance contracts, their expiry notices, extended
warranties (SPEC S6 B, S20, E1–E4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime

from .base import Base


class Contract(Base):
    """A maintenance contract covering one product (SPEC S6 B, S20)."""

    __tablename__ = "contracts"

    contract_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    fee: Mapped[Decimal]
    notice_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    notice_sent_at: Mapped[datetime | None]  # marker: the S20 notice fires once
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class ExpiryNotice(Base):
    """A maintenance-contract expiry notice (保養到期通知書, SPEC S20)."""

    __tablename__ = "contract_expiry_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_no: Mapped[str] = mapped_column(ForeignKey("contracts.contract_no"), unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    ends_on: Mapped[date]
    issued_on: Mapped[date]
    issued_at: Mapped[datetime]


class ExtendedWarranty(Base):
    """An extended warranty sold at the counter or the POS (SPEC E1–E4, §7).

    One per product (a POS transaction may sell several appliances, each with its own).
    """

    __tablename__ = "extended_warranties"

    warranty_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer, unique=True)
    product_price: Mapped[Decimal]
    years: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal]
    maker_warranty_ends_on: Mapped[date]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(8))  # counter | pos
    store_id: Mapped[str | None] = mapped_column(String(40))
    transaction_id: Mapped[str | None] = mapped_column(String(80))
    sold_by: Mapped[str] = mapped_column(String(64))
    sold_at: Mapped[datetime]
    # SPEC E5: the third party underwriting it (the store's warranty provider); None when
    # the company itself carries the cover.
    provider: Mapped[str | None] = mapped_column(String(40))
    # SPEC E4: the unit was replaced under the cover (the approved request and its day);
    # the cover carries on for the replacement unit until ends_on.
    replaced_on: Mapped[date | None]
    replacement_no: Mapped[str | None] = mapped_column(String(40))
