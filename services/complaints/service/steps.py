"""Filing a complaint and walking its chain step by step (SPEC C8, C9.1, C9.4, C10).

Every change is recorded with who, when and what (timeline + audit, SPEC §8); only the
step's owning role may complete it, and only while it is the current step (409 otherwise).
Claimed times (SPEC CT1): a filing's `received_at` and a step's `at` are taken through
``service.claims``: within the window as typed, older only with an approver's reason; the
server's receipt is kept beside each, so the lateness audit (C14) judges accepted claims.
Invariant (one winner, issue 11): the case row is loaded FOR UPDATE before its state is
checked (PostgreSQL), and SQLite's writers are serialised by ``BEGIN IMMEDIATE``
(``shared.db``), so of concurrent completions of one step exactly one is recorded; the
others find the step no longer current and get 409.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import HEAD_OFFICE_ROLES, Actor, require_branch
from shared.context import Context
from shared.events.complaints import ComplaintFiled
from shared.events.survey import SurveyComplaintRaised
from shared.jsonable import jsonable
from shared.rules import Forbidden

from ..domain.filing import Filing, check_filing
from ..domain.routing import (
    case_due,
    decide_step,
    ensure_current_step,
    first_step,
    next_step,
    step_due,
    step_owner,
    step_owners,
)
from ..domain.workflow import WorkflowDef
from ..models import Complaint, StepRecord
from ..schemas.cases import ComplaintIn
from .approval_config import with_company_matrix
from .cases import SUBJECT, case_state, company_zone, definition, find_case, workflow_for
from .claims import accept_case_claim
from .closing import close_case
from .numbering import allocate_case_no
from .reminders import wake_deadlines

_DENORMALISED = ("responsible_unit", "handling", "amount", "loss_amount", "improvement_tracking",
                 # SPEC C7.4: read by the penalty side for P5's smallest group unit
                 "production_unit", "machine_or_shift", "production_staff", "production_date")


async def file_complaint(
    ctx: Context, session: AsyncSession, *, actor: Actor, data: ComplaintIn,
    appeal_of: str | None = None,
) -> Complaint:
    """Open a case under its profile and number it (SPEC C8, C9.1; C9.9 for appeals)."""
    now = ctx.now()
    tz = company_zone(ctx)
    case_no = await allocate_case_no(session, at=now, tz=tz)
    defn = with_company_matrix(ctx, await workflow_for(session, data.profile))
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
    claim = accept_case_claim(
        ctx, data.received_at, actor=actor, case_branch=branch, profile=defn.profile,
        field="received_at", reason=data.backdate_reason,
        what="the time the complaint was received",
    )
    check_filing(defn, _filing(data, claim.at), now=now, tz=tz)
    case = _new_case(defn, data, case_no=case_no, received=claim.at, actor=actor, now=now)
    case.received_backdate_reason = claim.backdate_reason
    case.received_backdate_approved_by = claim.backdate_approved_by
    case.severity = data.severity
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
    # Q26 (應即): the service department's clock runs from the customer's answer, so the
    # time a complaint waits for triage counts against the department that triages it.
    received = min(event.answered_at or event.occurred_at, now)
    case_no = await allocate_case_no(session, at=now, tz=company_zone(ctx))
    defn = await workflow_for(session, "service")
    data = ComplaintIn(
        profile="service", market="domestic", classification="service",
        customer=event.customer_name[:200] or "(unnamed)", order_no=event.voucher_no[:80] or None,
        demand=event.text[:4000] or "(no text)",
        received_at=received, branch=event.branch,
    )
    # Issue 14 (Q26 函告該客戶): the customer's contact travels with the complaint. The
    # e-mail was validated at intake; it is taken as given (the relay refuses an unusable
    # one and the letter waits to be printed).
    data = data.model_copy(update={
        "customer_email": event.customer_email,
        "customer_language": event.customer_language,
        "customer_address": event.customer_address[:4000] if event.customer_address else None,
    })
    actor = Actor.system(ctx.settings.service)
    case = _new_case(defn, data, case_no=case_no, received=received, actor=actor, now=now)
    # Q26: the service department's triage decides (serious → the vice GM); what the
    # customer ticked and why it was changed are kept beside it.
    case.severity = "serious" if event.severity == "serious" else "general"
    case.source_card_id = event.card_id
    case.source = {"call_id": event.call_id, "voucher_no": event.voucher_no,
                   "technician_id": event.technician_id, "severity": event.severity,
                   "customer_severity": event.customer_severity,
                   "triage_reason": event.triage_reason, "triaged_by": event.triaged_by}
    await _open(ctx, session, case, defn, actor=actor)
    return case


def _filing(data: ComplaintIn, received: datetime) -> Filing:
    return Filing(
        market=data.market, classification=data.classification, customer=data.customer,
        demand=data.demand, received_at=received, order_no=data.order_no,
        part_no=data.part_no, ship_date=data.ship_date, quantity=data.quantity,
        defective_quantity=data.defective_quantity, joint_inspection_on=data.joint_inspection_on,
        severity=data.severity,
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
        received_at=received, received_recorded_at=now,
        joint_inspection_on=data.joint_inspection_on,
        joint_inspection_note=data.joint_inspection_note, branch=data.branch,
        customer_email=data.customer_email, customer_language=data.customer_language,
        customer_address=data.customer_address,
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
                "source_card_id": case.source_card_id, "severity": case.severity,
                "received_at": case.received_at.isoformat(),
                "received_backdated_by": case.received_backdate_approved_by,
                "received_backdate_reason": case.received_backdate_reason},
    )
    await ctx.outbox.add(
        session,
        ComplaintFiled(
            case_no=case.case_no, profile=case.profile, classification=case.classification,
            source_card_id=case.source_card_id, appeal_of=case.appeal_of,
            # C13.2(3): billing suspends the part's receivable from filing until closing.
            filed_at=case.filed_at, market=case.market, customer=case.customer,
            order_no=case.order_no, part_no=case.part_no, store_id=case.store_id,
            branch=case.branch, severity=case.severity,
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
    owners = step_owners(defn, step, state)
    if actor.role not in owners:
        raise Forbidden(f"step {step} belongs to {' or '.join(owners)}, not {actor.role}",
                        field="step", rule=defn.rule)
    if case.branch is not None:
        require_branch(actor, case.branch)
    decision = decide_step(defn, state, step, body)
    now = ctx.now()
    claim = accept_case_claim(
        ctx, decision.pop("at", None), actor=actor, case_branch=case.branch,
        profile=case.profile, field="at", reason=decision.pop("backdate_reason", None),
        not_before=case.step_started_at, what=f"the time step {step} was done",
    )
    at = claim.at
    note = decision.pop("note", None)
    session.add(StepRecord(
        complaint_id=case.id, step=step, by=actor.user_id, role=actor.role, at=at,
        recorded_at=now, backdate_reason=claim.backdate_reason,
        backdate_approved_by=claim.backdate_approved_by, note=note,
        decision=jsonable(decision), started_at=case.step_started_at, due_at=case.step_due_at,
    ))
    _record_decision(case, step, decision)
    _record_approval(case, decision, actor=actor, at=at)
    if case.case_due_at is None:
        case.registered_at = at  # C10: the case clock starts when it is accepted
        case.case_due_at = case_due(defn, at, case.market)
    following = next_step(defn, step, case_state(case))
    await ctx.audit.record(
        session, actor=actor, action=f"step.{step}.completed",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"step": step, "at": at.isoformat(), "note": note,
                "decision": jsonable(decision), "owner": owner,
                "backdated_by": claim.backdate_approved_by,
                "backdate_reason": claim.backdate_reason},
    )
    if following is None:
        await session.flush()
        await close_case(ctx, session, case=case, defn=defn, at=at)
    else:
        _advance(case, defn, following, at)
    wake_deadlines(ctx, session)
    return case


def _record_approval(case: Complaint, decision: dict[str, Any], *, actor: Actor,
                     at: datetime) -> None:
    """C9.4: an approval step keeps who approved which amount on the case (§8)."""
    if "approved" not in decision:
        return
    approved = decision.get("approved_amount")
    if decision["approved"] is True and approved is not None:
        case.approved_amount = Decimal(str(approved))
        case.approved_by, case.approved_role, case.approved_at = actor.user_id, actor.role, at
    else:
        case.approved_amount = case.approved_by = case.approved_role = case.approved_at = None


def _record_decision(case: Complaint, step: str, decision: dict[str, Any]) -> None:
    decisions = {k: v for k, v in (case.decisions or {}).items() if k != step}
    decisions[step] = jsonable(decision)
    case.decisions = decisions
    for name in _DENORMALISED:
        if name in decision:
            value = decision[name]
            if name.endswith("amount"):
                value = Decimal(value)
            elif name.endswith("_date") and not isinstance(value, date):
                value = date.fromisoformat(value)
            setattr(case, name, value)


def _advance(case: Complaint, defn: WorkflowDef, step: str, at: datetime) -> None:
    due = step_due(defn, step, at, case.market, case_due_at=case.case_due_at)
    case.current_step = step
    case.step_started_at = at
    case.step_due_at = due
    case.step_reminded = False
