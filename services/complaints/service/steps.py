"""Filing a complaint and walking its chain step by step (SPEC C8, C9.1, C9.4, C10).

Every change is recorded with who, when and what (timeline + audit, SPEC §8); only the
step's owning role may complete it, and only while it is the current step (409 otherwise).
Invariant (one winner, issue 11): the case row is loaded FOR UPDATE before its state is
checked (PostgreSQL), and SQLite's writers are serialised by ``BEGIN IMMEDIATE``
(``shared.db``), so of concurrent completions of one step exactly one is recorded; the
others find the step no longer current and get 409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import HEAD_OFFICE_ROLES, Actor, require_branch
from shared.context import Context
from shared.events.complaints import ComplaintFiled
from shared.events.survey import SurveyComplaintRaised
from shared.jsonable import jsonable
from shared.rules import Forbidden, RuleBroken

from ..domain.filing import MAX_CLOCK_SKEW, Filing, check_filing
from ..domain.routing import (
    case_due,
    decide_step,
    ensure_current_step,
    first_step,
    next_step,
    step_due,
    step_owner,
)
from ..domain.workflow import WorkflowDef
from ..models import Complaint, StepRecord
from ..schemas.cases import ComplaintIn
from .cases import SUBJECT, case_state, company_zone, definition, find_case, workflow_for
from .closing import close_case
from .numbering import allocate_case_no
from .reminders import wake_deadlines

_DENORMALISED = ("responsible_unit", "handling", "amount", "loss_amount", "improvement_tracking")


async def file_complaint(
    ctx: Context, session: AsyncSession, *, actor: Actor, data: ComplaintIn,
    appeal_of: str | None = None,
) -> Complaint:
    """Open a case under its profile and number it (SPEC C8, C9.1; C9.9 for appeals)."""
    now = ctx.now()
    tz = company_zone(ctx)
    case_no = await allocate_case_no(session, at=now, tz=tz)
    defn = await workflow_for(session, data.profile)
    if actor.role not in defn.filed_by:
        raise Forbidden(
            f"{actor.role} may not file a {defn.profile} complaint ({', '.join(defn.filed_by)})",
            field="profile", rule="C9.1" if defn.rule == "C9.4" else defn.rule,
        )
    branch = data.branch
    if branch is None and actor.role not in HEAD_OFFICE_ROLES:
        branch = actor.branch  # a branch's own staff file for their branch (issue 11)
    if branch is not None:
        ctx.branch(branch)
        require_branch(actor, branch)
    received = data.received_at or now
    check_filing(defn, _filing(data, received), now=now, tz=tz)
    case = _new_case(defn, data, case_no=case_no, received=received, actor=actor, now=now)
    case.branch = branch
    case.appeal_of = appeal_of
    await _open(ctx, session, case, defn, actor=actor)
    return case


async def file_from_survey(
    ctx: Context, session: AsyncSession, event: SurveyComplaintRaised
) -> Complaint | None:
    """A complaint on a survey card opens a service-profile case, once per card (Q26, Q28)."""
    seen = await session.scalar(
        select(Complaint.id).where(Complaint.source_card_id == event.card_id)
    )
    if seen is not None:
        return None
    now = ctx.now()
    case_no = await allocate_case_no(session, at=now, tz=company_zone(ctx))
    defn = await workflow_for(session, "service")
    data = ComplaintIn(
        profile="service", market="domestic", classification="service",
        customer=event.customer_name[:200] or "(unnamed)", order_no=event.voucher_no[:80] or None,
        demand=event.text[:4000] or "(no text)",
        received_at=event.occurred_at, branch=event.branch,
    )
    actor = Actor.system(ctx.settings.service)
    case = _new_case(defn, data, case_no=case_no, received=event.occurred_at, actor=actor, now=now)
    case.severity = "serious" if event.severity == "serious" else "general"
    case.source_card_id = event.card_id
    case.source = {"call_id": event.call_id, "voucher_no": event.voucher_no,
                   "technician_id": event.technician_id, "severity": event.severity}
    await _open(ctx, session, case, defn, actor=actor)
    return case


def _filing(data: ComplaintIn, received: datetime) -> Filing:
    return Filing(
        market=data.market, classification=data.classification, customer=data.customer,
        demand=data.demand, received_at=received, order_no=data.order_no,
        part_no=data.part_no, ship_date=data.ship_date, quantity=data.quantity,
        defective_quantity=data.defective_quantity, joint_inspection_on=data.joint_inspection_on,
    )


def _new_case(
    defn: WorkflowDef, data: ComplaintIn, *, case_no: str, received: datetime, actor: Actor,
    now: datetime,
) -> Complaint:
    return Complaint(
        case_no=case_no, profile=defn.profile, workflow=defn.model_dump(mode="json"),
        market=data.market, classification=data.classification, customer=data.customer,
        order_no=data.order_no, part_no=data.part_no, ship_date=data.ship_date,
        quantity=data.quantity, defective_quantity=data.defective_quantity, demand=data.demand,
        received_at=received, joint_inspection_on=data.joint_inspection_on,
        joint_inspection_note=data.joint_inspection_note, branch=data.branch,
        store_id=data.store_id, status="open", decisions={}, step_reminded=False,
        case_reminded=False, supplier_coordinated=False, filed_at=now,
        filed_by=actor.user_id, filed_role=actor.role,
    )


async def _open(
    ctx: Context, session: AsyncSession, case: Complaint, defn: WorkflowDef, *, actor: Actor
) -> None:
    step = first_step(defn, case_state(case))
    case.current_step = step
    case.step_started_at = case.received_at
    case.step_due_at = step_due(defn, step, case.received_at, case.market)
    session.add(case)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="complaint.filed",
        subject_type=SUBJECT, subject_id=case.case_no, at=case.filed_at,
        detail={"profile": case.profile, "appeal_of": case.appeal_of,
                "source_card_id": case.source_card_id},
    )
    await ctx.outbox.add(
        session,
        ComplaintFiled(
            case_no=case.case_no, profile=case.profile, classification=case.classification,
            source_card_id=case.source_card_id, appeal_of=case.appeal_of,
            correlation_id=case.case_no,
        ),
    )
    wake_deadlines(ctx, session)


async def complete_step(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, step: str,
    body: dict[str, Any],
) -> Complaint:
    """Complete the current step with its decision; only its owning role may (SPEC C9.4)."""
    case = await find_case(session, case_no, lock=True)
    defn = definition(case)
    state = case_state(case)
    defn.step(step)
    ensure_current_step(state, step, rule=defn.rule)
    owner = step_owner(defn, step, state)
    if actor.role != owner:
        raise Forbidden(f"step {step} belongs to {owner}, not {actor.role}", field="step",
                        rule=defn.rule)
    if case.branch is not None:
        require_branch(actor, case.branch)
    decision = decide_step(defn, state, step, body)
    now = ctx.now()
    at = _completion_time(decision.pop("at", None), case, now=now, rule=defn.rule)
    note = decision.pop("note", None)
    session.add(StepRecord(
        complaint_id=case.id, step=step, by=actor.user_id, role=actor.role, at=at,
        recorded_at=now, note=note, decision=jsonable(decision),
        started_at=case.step_started_at, due_at=case.step_due_at,
    ))
    _record_decision(case, step, decision)
    if case.case_due_at is None:
        case.registered_at = at  # C10: the case clock starts when it is accepted
        case.case_due_at = case_due(defn, at, case.market)
    following = next_step(defn, step, case_state(case))
    await ctx.audit.record(
        session, actor=actor, action=f"step.{step}.completed",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"step": step, "at": at.isoformat(), "note": note,
                "decision": jsonable(decision), "owner": owner},
    )
    if following is None:
        await session.flush()
        await close_case(ctx, session, case=case, defn=defn, at=at)
    else:
        _advance(case, defn, following, at)
    wake_deadlines(ctx, session)
    return case


def _completion_time(
    given: datetime | None, case: Complaint, *, now: datetime, rule: str
) -> datetime:
    at = given or now
    if at > now + MAX_CLOCK_SKEW:
        raise RuleBroken("a step cannot be completed in the future", field="at", rule=rule)
    if case.step_started_at is not None and at < case.step_started_at:
        raise RuleBroken("is before the step started", field="at", rule=rule)
    return at


def _record_decision(case: Complaint, step: str, decision: dict[str, Any]) -> None:
    decisions = {k: v for k, v in (case.decisions or {}).items() if k != step}
    decisions[step] = jsonable(decision)
    case.decisions = decisions
    for name in _DENORMALISED:
        if name in decision:
            value = decision[name]
            setattr(case, name, Decimal(value) if name.endswith("amount") else value)


def _advance(case: Complaint, defn: WorkflowDef, step: str, at: datetime) -> None:
    due = step_due(defn, step, at, case.market, case_due_at=case.case_due_at)
    case.current_step = step
    case.step_started_at = at
    case.step_due_at = due
    case.step_reminded = False
