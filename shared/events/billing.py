"""Events published by billing."""

from __future__ import annotations

from datetime import date

from .base import Event


class CoverGranted(Event):
    """A maintenance contract or extended warranty now covers a product (SPEC S6 B, E1)."""

    event_type = "billing.cover.granted.v1"

    kind: str  # "contract" | "extended_warranty"
    ref: str  # contract number
    branch: str
    customer_id: int
    product_id: int
    starts_on: date
    ends_on: date


class ContractExpiring(Event):
    """One month before a maintenance contract ends: notice sent, renewal visit due (S20)."""

    event_type = "billing.contract.expiring.v1"

    contract_no: str
    branch: str
    customer_id: int
    product_id: int
    ends_on: date


class InvoiceRaised(Event):
    """An invoice for paid work (SPEC S10, S13)."""

    event_type = "billing.invoice.raised.v1"

    invoice_no: str
    voucher_no: str | None
    branch: str
    amount: str
    status: str  # "paid" | "issued"


class ReturnBooked(Event):
    """Accounting booked an allowance or a return from a complaint (SPEC C13)."""

    event_type = "billing.return.booked.v1"

    case_no: str
    kind: str  # "allowance" | "return"
    amount: str
    quantity: int | None = None
