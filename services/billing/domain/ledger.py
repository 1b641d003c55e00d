"""Journal entries for invoices and payments (SPEC S10, S13; §8 audit).

Each booking is a balanced double entry; a booked entry is corrected by its reversal
(:func:`services.billing.domain.returns.reverse`), never edited. Raising an invoice
recognises the receivable; a payment settles it:

- invoice raised: Dr accounts receivable, Cr service revenue (or contract / extended
  warranty revenue);
- payment received: Dr cash, Cr accounts receivable; a refund is its reversal.
"""

from __future__ import annotations

from decimal import Decimal

from services.billing.domain.money import positive_money
from services.billing.domain.returns import ACCOUNTS_RECEIVABLE, JournalLine
from shared.money import ZERO
from shared.rules import RuleBroken

CASH = "cash"
SERVICE_REVENUE = "service_revenue"
CONTRACT_REVENUE = "contract_revenue"
EXTENDED_WARRANTY_REVENUE = "extended_warranty_revenue"

REVENUE_ACCOUNTS = {
    "service": SERVICE_REVENUE,
    "contract": CONTRACT_REVENUE,
    "extended_warranty": EXTENDED_WARRANTY_REVENUE,
}


def journal_for_invoice(amount: Decimal, *, source: str = "service") -> list[JournalLine]:
    """Dr accounts receivable, Cr the revenue of ``source`` (SPEC S10/S13)."""
    try:
        revenue = REVENUE_ACCOUNTS[source]
    except KeyError as exc:
        raise RuleBroken(f"unknown: {source!r}", field="source", rule="S10") from exc
    value = positive_money(amount, field="amount", rule="S10")
    return [
        JournalLine(account=ACCOUNTS_RECEIVABLE, debit=value),
        JournalLine(account=revenue, credit=value),
    ]


def journal_for_payment(amount: Decimal) -> list[JournalLine]:
    """Dr cash, Cr accounts receivable (SPEC S10: the fee collected)."""
    value = positive_money(amount, field="amount", rule="S10")
    return [
        JournalLine(account=CASH, debit=value),
        JournalLine(account=ACCOUNTS_RECEIVABLE, credit=value),
    ]


def balance_due(amount: Decimal, paid: Decimal) -> Decimal:
    """What is still owed on an invoice (SPEC S10)."""
    return amount - paid


def check_payment(*, amount: Decimal, invoice_amount: Decimal, paid: Decimal) -> Decimal:
    """A payment must be positive and at most the balance due (SPEC S10)."""
    value = positive_money(amount, field="amount", rule="S10")
    due = balance_due(invoice_amount, paid)
    if value > due:
        raise RuleBroken(f"exceeds the balance due {due}", field="amount", rule="S10")
    return value


def settled(*, invoice_amount: Decimal, paid: Decimal) -> bool:
    """Paid in full: the invoice's status becomes ``paid`` (SPEC S10)."""
    return balance_due(invoice_amount, paid) <= ZERO
