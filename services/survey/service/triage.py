"""The service department's triage of survey complaints (SPEC Q26–Q28).

A complaint or suggestion on an answered card waits here until the service department
says whether it is serious or general (it may change the customer's tick, giving a
reason). Only then is ``SurveyComplaintRaised`` published, carrying the triaged
severity, so that complaints routes a serious case to the vice GM.

Invariant: a complaint is triaged once, even when the same triage arrives twenty times
at once. The card row is locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers
with ``BEGIN IMMEDIATE``) before its state is checked, so the first triage commits its
state change, audit entry and event together and every later one gets 409.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, scoped_branch
from shared.context import Context
from shared.events.survey import SurveyComplaintRaised

from ..domain import triage as rules
from ..models import SurveyCard
from .cards import SUBJECT, load_card


async def awaiting_triage(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str | None = None,
    after_id: int = 0, limit: int | None = None,
) -> list[SurveyCard]:
    """SPEC Q26: the cards whose complaint awaits triage, in the caller's branch (or the
    branch asked for; a branchless head-office caller without one: every branch)."""
    if branch is not None:
        ctx.branch(branch)
    scope = scoped_branch(actor, branch)
    query = select(SurveyCard).where(SurveyCard.complaint_status == rules.AWAITING,
                                     SurveyCard.id > after_id)
    if scope is not None:
        query = query.where(SurveyCard.branch == scope)
    query = query.order_by(SurveyCard.id)
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def triage_complaint(
    ctx: Context, session: AsyncSession, *, actor: Actor, card_id: int, severity: str,
    reason: str | None = None,
) -> SurveyCard:
    """SPEC Q26: set the severity of a card's complaint (a change needs a reason), then
    raise it to complaints with both the triaged and the customer's severity."""
    card = await load_card(session, card_id, actor=actor, lock=True)
    verdict = rules.check_triage(status=card.complaint_status,
                                 customer_severity=card.complaint_customer_severity,
                                 severity=severity, reason=reason)
    now = ctx.now()
    card.complaint_status = rules.RAISED
    card.complaint_severity = verdict.severity
    card.complaint_triage_reason = verdict.reason
    card.complaint_triaged_by = actor.user_id
    card.complaint_triaged_at = now
    await ctx.audit.record(
        session, actor=actor, action="complaint.triaged", subject_type=SUBJECT,
        subject_id=card.id, at=now,
        detail={"kind": card.complaint_kind, "customer_severity": verdict.customer_severity,
                "severity": verdict.severity, "changed": verdict.changed,
                "reason": verdict.reason},
    )
    await ctx.outbox.add(session, SurveyComplaintRaised(
        card_id=card.id, call_id=card.call_id, voucher_no=card.voucher_no,
        branch=card.branch, technician_id=card.technician_id,
        customer_name=card.customer_name or "", severity=verdict.severity,
        text=card.complaint_text or "", kind=card.complaint_kind or "complaint",
        answered_via=card.answered_via, customer_severity=verdict.customer_severity,
        triage_reason=verdict.reason, triaged_by=actor.user_id, occurred_at=now,
        answered_at=card.answered_at, customer_email=card.customer_email,
        customer_language=card.customer_language, customer_address=card.customer_address,
    ))
    return card
