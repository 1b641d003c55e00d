"""Billing's tables (SPEC §4, §5 P6/P7), one module per area, all on one ``Base``.

- :mod:`.base`: ``Base`` and ``plumbing`` (outbox, inbox, audit log, dead letters);
- :mod:`.invoices`: known vouchers, serial counters, price lists, invoices, payments, voids;
- :mod:`.contracts`: maintenance contracts, expiry notices, extended warranties;
- :mod:`.customers`: the contact of each customer, for letters (issue 14);
- :mod:`.accounting`: returns, allowances, journal, receivables;
- :mod:`.staff`: the staff register and monthly bonuses, with history (P3, P5–P7);
- :mod:`.deductions`: decisions received, charges, the stored schedule, closed months;
- :mod:`.pos`: refund and allowance instructions to stores' POS;
- :mod:`.claims`: cover judged per call, claims for covered work, replacements (E3–E5).

Bookings are append-only (SPEC §8): a journal entry is corrected by one reversing entry
(``reverses_id`` is unique), a void invoice keeps its lines, a refund is a negative payment.
"""

from __future__ import annotations

from .accounting import (
    Allowance,
    AllowanceApproval,
    CollectionDelay,
    JournalEntry,
    JournalLineRow,
    OrderRatio,
    Receivable,
    ReturnSlip,
    ReturnSlipCopy,
)
from .base import Base, plumbing
from .claims import ClaimLine, CoverCheck, ReplacementRequest, WarrantyClaim
from .contracts import Contract, ExpiryNotice, ExtendedWarranty
from .customers import CustomerContact
from .deductions import Charge, DeductionEntry, PayrollMonth, PayrollState, PenaltyDecisionRow
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
from .staff import Bonus, BonusChange, StaffChange, StaffMember

__all__ = [
    "Allowance", "AllowanceApproval", "Base", "BillingVoucher", "Bonus", "BonusChange",
    "Charge", "ClaimLine", "CollectionDelay", "Contract", "Counter", "CoverCheck",
    "CustomerContact",
    "DeductionEntry", "ExpiryNotice", "ExtendedWarranty", "Invoice", "InvoiceLine",
    "InvoiceVoid", "JournalEntry", "JournalLineRow", "OrderRatio", "Payment",
    "PayrollMonth", "PayrollState", "PenaltyDecisionRow", "PosInstruction",
    "PosOrphanConfirmation", "PriceListRow", "Receivable", "ReplacementRequest",
    "ReturnSlip", "ReturnSlipCopy", "StaffChange", "StaffMember", "WarrantyClaim", "plumbing",
]
