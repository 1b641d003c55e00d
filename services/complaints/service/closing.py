"""Closing a case: the lateness audit, improvement tracking and the five copies (C14, C9.7, C9.8),
and the customer's outcome letter (Q26, issue 14).

Invariant: closing happens in the same transaction as the last step; the follow-up slips,
the copies' events and the outcome letter are written with it, so a closed case always
has them all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.complaints import ComplaintCopyIssued

from ..domain.deadlines import LateStep, TimelineEntry, audit_due, lateness_followup
from ..domain.filing import closing_copies
from ..domain.workflow import WorkflowDef
from ..models import Complaint, FollowUp, StepRecord
from .cases import SUBJECT, case_state
from .letters import queue_outcome_letter


async def close_case(
    ctx: Context, session: AsyncSession, *, case: Complaint, defn: WorkflowDef, at: datetime
) -> list[LateStep]:
    """Close the case at `at`: follow-up slips for late steps, then the copies (C14, C9.8)."""
    now = ctx.now()
    case.status = "closed"
    case.closed_at = at
    case.current_step = None
    case.step_due_at = None
    state = case_state(case)
    fact = state.fact("improvement_tracking")
    case.improvement_tracking = fact if isinstance(fact, bool) else None
    late = await _lateness_audit(session, case, at=at, now=now)
    copies = closing_copies(defn, state)
    for copy in copies:
        await ctx.outbox.add(
            session,
            ComplaintCopyIssued(
                case_no=case.case_no, recipient=copy.recipient, profile=case.profile,
                market=case.market, classification=case.classification,
                customer=case.customer, order_no=case.order_no, part_no=case.part_no,
                handling=copy.handling, amount=copy.amount, quantity=copy.quantity,
                responsible_unit=copy.responsible_unit, store_id=case.store_id,
                closed_at=at, branch=case.branch, appeal_of=case.appeal_of,
                correlation_id=case.case_no,
            ),
        )
    # Q26 函告該客戶: the customer hears the outcome (services/complaints/service/letters.py).
    letter = await queue_outcome_letter(ctx, session, case=case, at=at)
    await ctx.audit.record(
        session, actor=Actor.system(ctx.settings.service),
        action="complaint.closed", subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"closed_at": at.isoformat(), "copies_to": [c.recipient for c in copies],
                "late": [slip.step or "case" for slip in late],
                "approved_amount": None if case.approved_amount is None
                else str(case.approved_amount), "approved_by": case.approved_by,
                "outcome_letter": None if letter is None else str(letter.id)},
    )
    return late


async def _lateness_audit(
    session: AsyncSession, case: Complaint, *, at: datetime, now: datetime
) -> list[LateStep]:
    """C14: audit a closing case's steps; each late one (or the case) gets a follow-up slip."""
    records = (
        await session.scalars(
            select(StepRecord).where(StepRecord.complaint_id == case.id).order_by(StepRecord.id)
        )
    ).all()
    dues: dict[str, datetime] = {}
    roles: dict[str, str] = {}
    backdated: dict[str, bool] = {}
    for record in records:
        due = audit_due(record.due_at, record.decision)
        dues.pop(record.step, None)
        if due is not None:
            dues[record.step] = due
        roles[record.step] = record.role
        backdated[record.step] = record.backdate_approved_by is not None
    # CT1: each step is judged on its accepted claim (within the window, or back-dated on
    # an approver's recorded word), never on a time typed earlier than that.
    timeline = [TimelineEntry(step=r.step, at=r.at, by=r.by) for r in records]
    late = lateness_followup(timeline, dues, case.case_due_at, at)
    closing_backdated = bool(records) and backdated.get(records[-1].step, False)
    for slip in late:
        session.add(
            FollowUp(
                complaint_id=case.id, kind=slip.kind, step=slip.step,
                owner_role=roles.get(slip.step) if slip.step else "gm_office",
                due_at=slip.due_at, done_at=slip.done_at, issued_at=now,
                backdated=backdated.get(slip.step, False) if slip.step else closing_backdated,
            )
        )
    return late
