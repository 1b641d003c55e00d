"""The accountant's console (issue 12 item 8): the day's invoices and on-site
collections, an invoice with its payments, expiry notices, the invoice as PDF."""

from shared.web.console import pages_router

router = pages_router()

from . import invoices, notices, papers  # noqa: E402,F401
