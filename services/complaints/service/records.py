"""What happens beside the chain: appeals, petitions, supplier coordination, improvement.

SPEC C9.9 (an appeal is a new form linked to the original), C9.12 (a disagreeing department
petitions its superiors), C9.13 (the GM office coordinates with a responsible supplier),
C9.7 (our fault is tracked until the improvement is done).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState

from ..models import Complaint, Petition, SupplierCoordination
from ..schemas.cases import (
    AppealIn,
    ComplaintIn,
    ImprovementIn,
    PetitionDecisionIn,
    PetitionIn,
    SupplierIn,
)
from .cases import SUBJECT, definition, readable_case
from .steps import file_complaint


async def appeal(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: AppealIn
) -> Complaint:
    """The customer rejects the decision: file a new case linked to the original (C9.9)."""
    original = await readable_case(session, actor=actor, case_no=case_no)
    if original.status != "closed":
        raise WrongState("only a decided (closed) case can be appealed", field="case_no",
                       rule="C9.9")
    filing = ComplaintIn(
        profile=original.profile, market=original.market,  # type: ignore[arg-type]
        classification=original.classification,  # type: ignore[arg-type]
        customer=original.customer, order_no=original.order_no, part_no=original.part_no,
        ship_date=original.ship_date, quantity=original.quantity,
        defective_quantity=data.defective_quantity if data.defective_quantity is not None
        else original.defective_quantity,
        demand=data.demand, received_at=data.received_at,
        backdate_reason=data.backdate_reason, branch=original.branch,
        store_id=original.store_id,
        severity=original.severity,  # type: ignore[arg-type]  # Q26: as triaged before
    )
    return await file_complaint(ctx, session, actor=actor, data=filing, appeal_of=case_no)


async def petition(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: PetitionIn
) -> Petition:
    """A department that disagrees escalates to its superiors by petition (SPEC C9.12)."""
    case = await readable_case(session, actor=actor, case_no=case_no)
    defn = definition(case)
    if data.step is not None and data.step not in defn.step_names():
        raise RuleBroken(f"profile {defn.profile} has no step {data.step!r}", field="step",
                            rule="C9.12")
    now = ctx.now()
    row = Petition(
        complaint_id=case.id, step=data.step, department=actor.role,
        addressed_to=data.addressed_to, reason=data.reason, by=actor.user_id, at=now,
    )
    session.add(row)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="petition.filed",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"petition": row.id, "step": data.step, "addressed_to": data.addressed_to},
    )
    return row


async def decide_petition(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, petition_id: int,
    data: PetitionDecisionIn,
) -> Petition:
    """The superior the petition is addressed to answers it (SPEC C9.12)."""
    case = await readable_case(session, actor=actor, case_no=case_no)
    # Locked before its state is checked: of concurrent answers exactly one is recorded.
    row = await session.get(Petition, petition_id, with_for_update=True)
    if row is None or row.complaint_id != case.id:
        raise NotFound(f"no petition {petition_id} on {case_no}", field="petition_id")
    if actor.role != row.addressed_to:
        raise Forbidden(f"the petition is addressed to {row.addressed_to}", field="decision",
                        rule="C9.12")
    if row.decision is not None:
        raise WrongState("the petition is already decided", field="decision", rule="C9.12")
    now = ctx.now()
    row.decision, row.decision_note = data.decision, data.note
    row.decided_by, row.decided_at = actor.user_id, now
    await ctx.audit.record(
        session, actor=actor, action="petition.decided",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"petition": row.id, "decision": data.decision},
    )
    return row


async def coordinate_supplier(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: SupplierIn
) -> SupplierCoordination:
    """The GM office records its coordination with the responsible supplier (SPEC C9.13)."""
    case = await readable_case(session, actor=actor, case_no=case_no, lock=True)
    named = (case.decisions or {}).get("qa_analysis", {}).get("supplier")
    if not any(d.get("supplier") for d in (case.decisions or {}).values()):
        raise WrongState("no supplier has been named responsible", field="supplier", rule="C9.13")
    now = ctx.now()
    row = SupplierCoordination(
        complaint_id=case.id, supplier=data.supplier, outcome=data.outcome,
        recovered_amount=data.recovered_amount, by=actor.user_id, at=now,
    )
    session.add(row)
    case.supplier_coordinated = True
    await ctx.audit.record(
        session, actor=actor, action="supplier.coordinated",
        subject_type=SUBJECT, subject_id=case.case_no, at=now,
        detail={"supplier": data.supplier, "named_by_qa": named},
    )
    return row


async def improvement_done(
    ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str, data: ImprovementIn
) -> Complaint:
    """A tracked improvement was carried out (SPEC C9.7)."""
    case = await readable_case(session, actor=actor, case_no=case_no, lock=True)
    if case.status != "closed" or not case.improvement_tracking:
        raise WrongState("this case has no improvement being tracked", field="case_no",
                       rule="C9.7")
    if case.improvement_done_at is not None:
        raise WrongState("the improvement is already recorded as done", field="case_no",
                       rule="C9.7")
    now = ctx.now()
    case.improvement_done_at, case.improvement_note = now, data.result
    await ctx.audit.record(
        session, actor=actor, action="improvement.done",
        subject_type=SUBJECT, subject_id=case.case_no, at=now, detail={"result": data.result},
    )
    return case
