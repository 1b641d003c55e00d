"""Read models: a case with its timeline, slips and side records (CONTRACT GET /complaints/…)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Complaint, FollowUp, Petition, Reminder, StepRecord, SupplierCoordination
from .reminders import owner_role
from .schemas import (
    CaseOut,
    FollowUpOut,
    ImprovementOut,
    PetitionOut,
    ReminderOut,
    SupplierOut,
    TimelineOut,
)
from .store import definition


async def _rows(session: AsyncSession, model: type, case: Complaint) -> list:
    query = select(model).where(model.complaint_id == case.id).order_by(model.id)
    return list((await session.scalars(query)).all())


def _timeline(records: list[StepRecord]) -> list[TimelineOut]:
    return [
        TimelineOut(
            step=r.step, by=r.by, role=r.role, at=r.at, note=r.note, decision=r.decision,
            due_at=r.due_at, late=r.due_at is not None and r.at > r.due_at,
        )
        for r in records
    ]


async def case_view(session: AsyncSession, case: Complaint) -> CaseOut:
    """Everything recorded on one case, oldest first (SPEC §8: who, when, what)."""
    records = await _rows(session, StepRecord, case)
    reminders = await _rows(session, Reminder, case)
    followups = await _rows(session, FollowUp, case)
    petitions = await _rows(session, Petition, case)
    suppliers = await _rows(session, SupplierCoordination, case)
    appeals = (
        await session.scalars(
            select(Complaint.case_no).where(Complaint.appeal_of == case.case_no)
            .order_by(Complaint.id)
        )
    ).all()
    improvement = None
    if case.improvement_tracking is not None:
        improvement = ImprovementOut(
            required=case.improvement_tracking, done_at=case.improvement_done_at,
            note=case.improvement_note,
        )
    closed = case.status == "closed"
    return CaseOut(
        case_no=case.case_no, profile=case.profile, status=case.status, market=case.market,
        classification=case.classification, customer=case.customer, order_no=case.order_no,
        part_no=case.part_no, ship_date=case.ship_date, quantity=case.quantity,
        defective_quantity=case.defective_quantity, demand=case.demand,
        received_at=case.received_at, filed_at=case.filed_at, filed_by=case.filed_by,
        branch=case.branch, store_id=case.store_id, severity=case.severity,
        source_card_id=case.source_card_id, joint_inspection_on=case.joint_inspection_on,
        joint_inspection_note=case.joint_inspection_note, current_step=case.current_step,
        owner_role=owner_role(case), step_due_at=case.step_due_at,
        case_due_at=case.case_due_at, registered_at=case.registered_at,
        closed_at=case.closed_at, appeal_of=case.appeal_of, appeals=list(appeals),
        handling=case.handling, amount=case.amount, responsible_unit=case.responsible_unit,
        loss_amount=case.loss_amount, decisions=case.decisions or {}, improvement=improvement,
        copies_to=list(definition(case).copies_to) if closed else [],
        timeline=_timeline(records),
        reminders=[ReminderOut.model_validate(r, from_attributes=True) for r in reminders],
        followups=[FollowUpOut.model_validate(f, from_attributes=True) for f in followups],
        petitions=[PetitionOut.model_validate(p, from_attributes=True) for p in petitions],
        supplier_coordinations=[
            SupplierOut.model_validate(s, from_attributes=True) for s in suppliers
        ],
    )
