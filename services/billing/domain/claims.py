"""Claims for covered work and replacements of unrepairable units (SPEC E4, E5, S6 B).

- **E5** B work under an extended warranty is costed exactly as the same job would be
  invoiced as A work (visit, labour per started quarter hour, parts at the completion's
  prices: :func:`services.billing.domain.pricing.price_service`) and becomes a claim. A
  warranty underwritten by a third party (the store's ``warranty_provider``) is claimed
  from that provider: ``open`` → ``submitted`` → ``paid`` | ``rejected``. Cover the
  company carries itself (a maintenance contract, S6 B, or an extended warranty with no
  provider) is ``booked`` against the contract at once: nobody else pays, but the cost is
  accounted for per contract.
- **E4** an approved replacement adds a ``replacement`` claim for the unit, priced at the
  product price recorded on the warranty **[choice]**.

Journal (balanced, append-only):

- provider claim opened: Dr warranty claims receivable, Cr covered service revenue;
  paid: Dr cash, Cr warranty claims receivable; rejected: Dr rejected claims expense,
  Cr warranty claims receivable (the company bears the cost);
- own cover: Dr cover service cost, Cr covered service revenue.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from shared.rules import WrongState

from .money import positive_money
from .returns import JournalLine

WARRANTY_CLAIMS_RECEIVABLE = "warranty_claims_receivable"
COVERED_SERVICE_REVENUE = "covered_service_revenue"
COVER_SERVICE_COST = "cover_service_cost"
REJECTED_CLAIMS_EXPENSE = "rejected_claims_expense"
CASH = "cash"


class ClaimStatus(StrEnum):
    """Where a claim stands (SPEC E5)."""

    OPEN = "open"
    SUBMITTED = "submitted"
    PAID = "paid"
    REJECTED = "rejected"
    BOOKED = "booked"  # own cover: the cost is booked against the contract


class ReplacementStatus(StrEnum):
    """A replacement request's decision (SPEC E4)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


# Who approves a replacement (SPEC E4) [choice]: the branch manager, who answers for the
# branch's cost or signs the provider's authorisation into the record (provider_ref).
REPLACEMENT_APPROVERS = frozenset({"branch_manager"})

_NEXT: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.OPEN: frozenset({ClaimStatus.SUBMITTED}),
    ClaimStatus.SUBMITTED: frozenset({ClaimStatus.PAID, ClaimStatus.REJECTED}),
}


def initial_status(provider: str | None) -> ClaimStatus:
    """A provider's claim waits to be submitted; own cover is booked at once (SPEC E5)."""
    return ClaimStatus.OPEN if provider else ClaimStatus.BOOKED


def check_transition(current: str, target: ClaimStatus) -> ClaimStatus:
    """``open → submitted → paid | rejected``; anything else 409 (SPEC E5)."""
    if target not in _NEXT.get(ClaimStatus(current), frozenset()):
        raise WrongState(f"a {current} claim cannot become {target.value}", field="status",
                         rule="E5")
    return target


def journal_for_claim(amount: Decimal, *, provider: str | None) -> list[JournalLine]:
    """The claim's cost: a receivable from the provider, or the company's own cost (E5)."""
    value = positive_money(amount, field="amount", rule="E5")
    debit = WARRANTY_CLAIMS_RECEIVABLE if provider else COVER_SERVICE_COST
    return [JournalLine(account=debit, debit=value),
            JournalLine(account=COVERED_SERVICE_REVENUE, credit=value)]


def journal_for_settlement(amount: Decimal, *, paid: bool) -> list[JournalLine]:
    """The provider paid (cash) or rejected (the company's expense) the claim (SPEC E5)."""
    value = positive_money(amount, field="amount", rule="E5")
    debit = CASH if paid else REJECTED_CLAIMS_EXPENSE
    return [JournalLine(account=debit, debit=value),
            JournalLine(account=WARRANTY_CLAIMS_RECEIVABLE, credit=value)]


def check_decision(status: str) -> None:
    """A replacement is decided once (SPEC E4)."""
    if status != ReplacementStatus.PENDING:
        raise WrongState(f"the replacement request is already {status}", field="status",
                         rule="E4")
