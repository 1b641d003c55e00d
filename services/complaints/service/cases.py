"""Loading and reading cases: the workflow snapshot, the domain's view of a row, who may
read a case, and the read model of one case (CONTRACT GET /complaints/…).

A case keeps a snapshot of the workflow definition it was filed under, so an admin who
loads a new definition later never changes the route of a case already under way.
[choice] The company's zone (case-number months, penalty and statistics months) is the
zone of the first branch in the reference data (Asia/Shanghai for the demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import HEAD_OFFICE_ROLES, Actor
from shared.context import Context
from shared.db import find_or_404
from shared.rules import Forbidden, NotFound, Refusal, RuleBroken

from ..domain.access import may_read
from ..domain.case_state import CaseState
from ..domain.fields import COMMON_OPTIONAL
from ..domain.profiles import PROFILE_DATA, builtin_profile
from ..domain.routing import step_owner, step_owners
from ..domain.workflow import WorkflowDef
from ..models import Complaint, FollowUp, Petition, Profile, Reminder, StepRecord
from ..models import SupplierCoordination as SupplierRow
from ..schemas.cases import (
    CaseOut,
    FollowUpOut,
    ImprovementOut,
    PetitionOut,
    ReminderOut,
    SupplierOut,
    TimelineOut,
)

SUBJECT = "complaint"
REGISTER_LIMIT = 1000  # the register page's lines (no paging there)
READ_BATCH = 100  # rows read at a time while skipping cases the reader may not see


def company_zone(ctx: Context) -> tzinfo:
    """The zone months are read in: the head office's (SPEC C8, C9.10, P8 [choice])."""
    return ctx.head_office().zone if ctx.branches else ZoneInfo("UTC")


def company_today(ctx: Context) -> date:
    """Today in the company's zone (the head office's local date, [choice] as above)."""
    return ctx.head_office().local_date(ctx.now()) if ctx.branches else ctx.now().date()


async def workflow_for(session: AsyncSession, name: str) -> WorkflowDef:
    """A built-in profile, or a company's own loaded with PUT /profiles (SPEC §3)."""
    if name in PROFILE_DATA:
        return builtin_profile(name)
    row = await session.get(Profile, name)
    if row is None:
        known = [*PROFILE_DATA, *(await session.scalars(select(Profile.name)))]
        raise RuleBroken(f"unknown profile; one of {', '.join(known)}", field="profile",
                         rule="C9.4")
    return WorkflowDef.model_validate(row.definition)


async def all_workflows(session: AsyncSession) -> list[tuple[WorkflowDef, str]]:
    """Every profile with its source (`builtin` or `custom`), built-ins first."""
    found = [(builtin_profile(name), "builtin") for name in PROFILE_DATA]
    rows = await session.scalars(select(Profile).order_by(Profile.name))
    found.extend((WorkflowDef.model_validate(r.definition), "custom") for r in rows)
    return found


async def find_case(session: AsyncSession, case_no: str, *, lock: bool = False) -> Complaint:
    """The case with this number, locked FOR UPDATE when asked (PostgreSQL; SQLite's
    writers are serialised by ``BEGIN IMMEDIATE``); 404 otherwise."""
    return await find_or_404(session, Complaint, Complaint.case_no, case_no,
                             what="complaint", field="case_no", lock=lock)


def definition(case: Complaint) -> WorkflowDef:
    """The workflow snapshot the case runs under."""
    return WorkflowDef.model_validate(case.workflow)


def case_state(case: Complaint) -> CaseState:
    """The domain's view of a case: its step, deadlines, decisions and attributes."""
    return CaseState(
        market=case.market,  # type: ignore[arg-type]
        current_step=case.current_step,
        decisions=case.decisions or {},
        attributes={
            "severity": case.severity,
            "defective_quantity": case.defective_quantity,
            "supplier_coordinated": case.supplier_coordinated,
            "gifts_agreed": bool(case.gifts_agreed),  # SPEC R2b
            "classification": case.classification,
            "store_id": case.store_id,
            "joint_inspection_on": case.joint_inspection_on,  # C9.2b: the sub-flow runs
        },
        step_started_at=case.step_started_at,
        step_due_at=case.step_due_at,
        case_due_at=case.case_due_at,
        closed_at=case.closed_at,
    )


def owner_role(case: Complaint) -> str | None:
    """The role owning the case's current step, when it can be told (SPEC C9.4)."""
    if case.current_step is None:
        return None
    try:
        return step_owner(definition(case), case.current_step, case_state(case))
    except Refusal:
        return None


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a step's form: the decision field's name, kind and choices."""

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepForm:
    """The current step's inputs, for a role that may complete it (console)."""

    step: str
    fields: tuple[FormField, ...]


def step_form(actor: Actor, case: Complaint) -> StepForm | None:
    """The form of the case's current step if ``actor`` may complete it (C9.4), with the
    common `at`, `backdate_reason` (CT1) and `note`; None otherwise."""
    if case.status != "open" or case.current_step is None:
        return None
    defn = definition(case)
    try:
        if actor.role not in step_owners(defn, case.current_step, case_state(case)):
            return None
    except Refusal:
        return None
    if case.branch is not None and not actor.may_act_in(case.branch):
        return None
    step = defn.step(case.current_step)
    names = [(n, True) for n in step.fields] + [(n, False) for n in step.optional_fields]
    names += [(n, False) for n in COMMON_OPTIONAL]
    fields = []
    for name, required in names:
        spec = defn.field_spec(name)
        if spec is not None:
            fields.append(FormField(name=name, kind=spec.kind, required=required,
                                    choices=spec.choices))
    return StepForm(step=step.name, fields=tuple(fields))


def readable_by(actor: Actor, case: Complaint) -> bool:
    """Whether ``actor`` may read ``case``: the roles on its route within its branch, and
    head office (issue 11; ``domain.access``)."""
    if actor.role == "system":
        return True
    return may_read(
        definition(case), role=actor.role, branch=actor.branch, case_branch=case.branch,
        filed_role=case.filed_role, head_office=HEAD_OFFICE_ROLES,
    )


async def readable_case(session: AsyncSession, *, actor: Actor, case_no: str,
                        lock: bool = False) -> Complaint:
    """The case, if ``actor`` may read it; a case of another branch is 404 (it is not
    theirs to know of), one of another route 403."""
    case = await find_case(session, case_no, lock=lock)
    if case.branch is not None and not actor.may_act_in(case.branch):
        raise NotFound(f"no complaint {case_no}", field="case_no")
    if not readable_by(actor, case):
        raise Forbidden(f"{actor.role} is not on the route of complaint {case_no}",
                        field="case_no", rule="C9.4")
    return case


async def register_lines(
    session: AsyncSession, *, actor: Actor, status: str | None = None,
    profile: str | None = None, source_card_id: int | None = None,
    after_id: int = 0, limit: int | None = None,
) -> list[Complaint]:
    """Cases of the register the actor may read, oldest first, filtered by status, profile
    or survey card; a branch-bound actor sees only their branch's cases.

    CONTRACT "Lists": with ``limit``, at most ``limit`` readable cases whose id follows
    ``after_id`` (keyset, read in SQL batches of at least ``limit`` rows, since who may read
    a case is judged on its workflow snapshot, ``readable_by``). Without ``limit`` (the
    register page), the first ``REGISTER_LIMIT`` rows as before."""
    query = select(Complaint).order_by(Complaint.id)
    if actor.branch is not None:
        query = query.where(
            or_(Complaint.branch == actor.branch, Complaint.branch.is_(None))
            if actor.role in HEAD_OFFICE_ROLES else Complaint.branch == actor.branch
        )
    if status is not None:
        query = query.where(Complaint.status == status)
    if profile is not None:
        query = query.where(Complaint.profile == profile)
    if source_card_id is not None:
        query = query.where(Complaint.source_card_id == source_card_id)
    if limit is None:
        rows = (await session.scalars(query.limit(REGISTER_LIMIT))).all()
        return [c for c in rows if readable_by(actor, c)]
    return await readable_after(session, query, actor=actor, after_id=after_id, limit=limit)


async def readable_after(
    session: AsyncSession, query: Select[tuple[Complaint]], *, actor: Actor, after_id: int,
    limit: int,
) -> list[Complaint]:
    """The first ``limit`` cases of ``query`` (ordered by id) after ``after_id`` that
    ``actor`` may read, fetched in keyset batches (CONTRACT "Lists")."""
    batch = max(limit, READ_BATCH)
    found: list[Complaint] = []
    while len(found) < limit:
        rows = (await session.scalars(query.where(Complaint.id > after_id).limit(batch))).all()
        found.extend(c for c in rows if readable_by(actor, c))
        if len(rows) < batch:
            break
        after_id = rows[-1].id
    return found[:limit]


async def _rows(session: AsyncSession, model: type, case: Complaint) -> list:
    query = select(model).where(model.complaint_id == case.id).order_by(model.id)
    return list((await session.scalars(query)).all())


def _timeline(records: list[StepRecord]) -> list[TimelineOut]:
    # SPEC CT1: each entry shows when the server received it and whether it was recorded
    # back-dated (older than its window, on the approver's word, with the reason).
    return [
        TimelineOut(
            step=r.step, by=r.by, role=r.role, at=r.at, recorded_at=r.recorded_at,
            backdated=r.backdate_approved_by is not None, backdate_reason=r.backdate_reason,
            backdate_approved_by=r.backdate_approved_by, note=r.note, decision=r.decision,
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
    suppliers = await _rows(session, SupplierRow, case)
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
    source = case.source or {}
    return CaseOut(
        case_no=case.case_no, profile=case.profile, status=case.status, market=case.market,
        classification=case.classification, customer=case.customer, order_no=case.order_no,
        part_no=case.part_no, ship_date=case.ship_date, quantity=case.quantity,
        defective_quantity=case.defective_quantity, demand=case.demand,
        received_at=case.received_at, received_recorded_at=case.received_recorded_at,
        received_backdated=case.received_backdate_approved_by is not None,
        received_backdate_reason=case.received_backdate_reason,
        received_backdate_approved_by=case.received_backdate_approved_by,
        filed_at=case.filed_at, filed_by=case.filed_by,
        branch=case.branch, store_id=case.store_id, severity=case.severity,
        customer_severity=source.get("customer_severity"),
        triage_reason=source.get("triage_reason"),
        triaged_by=source.get("triaged_by") or (
            case.filed_by if case.severity and case.source_card_id is None else None),
        source_card_id=case.source_card_id, joint_inspection_on=case.joint_inspection_on,
        joint_inspection_note=case.joint_inspection_note, current_step=case.current_step,
        production_unit=case.production_unit, machine_or_shift=case.machine_or_shift,
        production_staff=case.production_staff, production_date=case.production_date,
        owner_role=owner_role(case), step_due_at=case.step_due_at,
        case_due_at=case.case_due_at, registered_at=case.registered_at,
        closed_at=case.closed_at, appeal_of=case.appeal_of, appeals=list(appeals),
        handling=case.handling, amount=case.amount, approved_amount=case.approved_amount,
        approved_by=case.approved_by, approved_role=case.approved_role,
        approved_at=case.approved_at, responsible_unit=case.responsible_unit,
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


async def read_case(session: AsyncSession, *, actor: Actor, case_no: str) -> CaseOut:
    """One case as the actor may read it (SPEC C9.4, C14, §8; issue 11)."""
    return await case_view(session, await readable_case(session, actor=actor, case_no=case_no))

