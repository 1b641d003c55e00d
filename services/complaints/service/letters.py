"""The outcome letter of a closing case (SPEC Q26 函告該客戶, issue 14).

Invariant: the letter is queued by :func:`queue_outcome_letter`, called from
``closing.close_case`` in the transaction that closes the case, through
``ctx.letters.queue`` (unique per ``("complaint_outcome", case_no)``): a closed case with
a reachable customer has exactly one letter; a step that fails to close it leaves none.
The choices (when, to whom, the phone channel) are in ``domain.letters``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context
from shared.letter_text import letter_language
from shared.letters import Letter

from ..domain import letters as texts
from ..models import Complaint
from .cases import case_state, company_zone


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _amount(case: Complaint, fact: object) -> str | None:
    amount = case.approved_amount if case.approved_amount is not None else fact
    if amount is None or amount == "":
        return None
    try:
        return f"{Decimal(str(amount)):,.2f}"
    except ArithmeticError:
        return str(amount)


def _language(ctx: Context, case: Complaint) -> str:
    branch = ctx.branches.get(case.branch) if case.branch else None
    fallback = (branch or ctx.head_office()).language
    return letter_language(case.customer_language, fallback)


async def queue_outcome_letter(ctx: Context, session: AsyncSession, *, case: Complaint,
                               at: datetime) -> Letter | None:
    """Q26: queue the letter telling the customer the outcome of the case closing at
    ``at``; None when there is no one to write to or the customer was told by phone."""
    state = case_state(case)
    channel = state.fact("channel")
    has_contact = bool(case.customer_email or case.customer_address)
    if not texts.wants_letter(channel=channel if isinstance(channel, str) else None,
                              has_contact=has_contact):
        return None
    zone = company_zone(ctx)
    outcome_text = state.fact("outcome")
    handling = state.fact("handling")
    letter_ref = state.fact("letter_ref")
    outcome = texts.Outcome(
        case_no=case.case_no, customer=case.customer,
        received_on=case.received_at.astimezone(zone).date(),
        closed_on=at.astimezone(zone).date(),
        outcome=outcome_text if isinstance(outcome_text, str) and outcome_text else None,
        handling=handling if isinstance(handling, str) else None,
        amount=_amount(case, state.fact("amount")) if handling == "allowance" else None,
        visited_on=_day(state.fact("visited_on")),
        letter_ref=letter_ref if isinstance(letter_ref, str) and letter_ref else None,
    )
    letter = texts.outcome_letter(outcome, language=_language(ctx, case))
    return await ctx.letters.queue(
        session, kind=texts.KIND, ref=case.case_no, to_email=case.customer_email,
        to_name=case.customer, to_postal=case.customer_address, language=letter.language,
        subject=letter.subject, text=letter.text, branch=case.branch,
    )


async def letter_of(ctx: Context, session: AsyncSession, case_no: str) -> Letter | None:
    """The outcome letter of a case, once it closed (for the case page)."""
    return await ctx.letters.find(session, kind=texts.KIND, ref=case_no)
