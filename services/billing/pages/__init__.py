"""The accountant's console (issue 12 item 8): the day's invoices and on-site
collections, an invoice with its payments, expiry notices, the invoice as PDF; claims,
replacements and held return slips (issue 13: E4, E5, C13.2(1)); the payroll page with
the staff register, bonuses and the month close (P3, P5–P7)."""

from shared.web.console import pages_router

router = pages_router()

from . import cover, invoices, notices, papers, payroll  # noqa: E402,F401
