"""The accountant's console (issue 12 item 8): the day's invoices and on-site
collections, an invoice with its payments, expiry notices, the invoice as PDF; claims,
replacements and held return slips (issue 13: E4, E5, C13.2(1)); the payroll page with
the staff register, bonuses and the month close (P3, P5–P7). Issue 14: returns and
allowances through approval, receipt, review and booking with proof, their papers (C13.1,
C13.2); POS instructions; the journal and reversals; the collection rate; extended
warranties, maintenance contracts and price lists; deductions per person (P6, P7)."""

from shared.web.console import pages_router

router = pages_router()

from . import (  # noqa: E402,F401
    cover,
    invoices,
    ledger,
    notices,
    papers,
    payroll,
    pos,
    return_papers,
    returns,
    sales,
)
