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


class CoverRefused(Event):
    """A call on a covered product turned out not to be covered (SPEC E3, S6): the
    technician found misuse, accidental damage or a part outside the cover. The call
    becomes category A, paid by the customer, with the reason shown."""

    event_type = "billing.cover.refused.v1"

    voucher_no: str
    call_id: int
    branch: str
    ref: str  # the contract or extended-warranty number whose cover was refused
    reason: str  # e.g. "misuse", "accidental_damage", "component:consumable"
    category: str = "A"


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
    source: str | None = None  # "service" | "contract" | "extended_warranty"
    ref: str | None = None  # contract or extended-warranty number
    issued_on: date | None = None


class ReturnBooked(Event):
    """Accounting booked an allowance or a return from a complaint (SPEC C13).

    A retail case executed through a store's POS (SPEC §7, R2) is booked on the POS's
    confirmation: ``document_no`` is then the instruction id and ``store_id`` is set.
    """

    event_type = "billing.return.booked.v1"

    case_no: str
    kind: str  # "allowance" | "return"
    amount: str
    quantity: int | None = None
    document_no: str | None = None  # allowance certificate or return slip number
    journal_entry_id: int | None = None
    part_no: str | None = None
    store_id: str | None = None  # SPEC §7: executed by this store's POS (document_no PI-…)


class InvoiceVoided(Event):
    """An invoice was voided by a reversing record, with the reason (SPEC S10, §8)."""

    event_type = "billing.invoice.voided.v1"

    invoice_no: str
    voucher_no: str | None
    branch: str
    amount: str
    reason: str
    voided_by: str


class BookingReversed(Event):
    """A booked journal entry was corrected by its reversing entry (SPEC C13.2, §8)."""

    event_type = "billing.booking.reversed.v1"

    entry_id: int
    reverses_entry_id: int
    case_no: str | None
    invoice_no: str | None
    reason: str
