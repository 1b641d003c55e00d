"""Billing's tables (SPEC §4, §5 P6/P7), one module per area, all on one ``Base``.

- :mod:`.base`: ``Base`` and ``plumbing`` (outbox, inbox, audit log, dead letters);
- :mod:`.invoices`: known vouchers, serial counters, price lists, invoices, payments, voids;
- :mod:`.contracts`: maintenance contracts, expiry notices, extended warranties;
- :mod:`.accounting`: returns, allowances, journal, receivables, deductions;
- :mod:`.pos`: refund and allowance instructions to stores' POS.

Bookings are append-only (SPEC §8): a journal entry is corrected by one reversing entry
(``reverses_id`` is unique), a void invoice keeps its lines, a refund is a negative payment.
"""

from __future__ import annotations

from .accounting import (
    Allowance,
    AllowanceApproval,
    Bonus,
    CollectionDelay,
    JournalEntry,
    JournalLineRow,
    OrderRatio,
    PenaltyRow,
    Receivable,
    ReturnSlip,
)
from .base import Base, plumbing
from .contracts import Contract, ExpiryNotice, ExtendedWarranty
from .invoices import (
    BillingVoucher,
    Counter,
    Invoice,
    InvoiceLine,
    InvoiceVoid,
    Payment,
    PriceListRow,
)
from .pos import PosInstruction, PosOrphanConfirmation

__all__ = [
    "Allowance", "AllowanceApproval", "Base", "BillingVoucher", "Bonus", "CollectionDelay",
    "Contract", "Counter", "ExpiryNotice", "ExtendedWarranty", "Invoice", "InvoiceLine",
    "InvoiceVoid", "JournalEntry", "JournalLineRow", "OrderRatio", "Payment", "PenaltyRow",
    "PosInstruction", "PosOrphanConfirmation", "PriceListRow", "Receivable", "ReturnSlip",
    "plumbing",
]
