"""Complaints' HTTP routes for cases (CONTRACT "Complaints"): authorise, call the service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from shared.auth import ROLES, Actor, ActorDep, roles
from shared.fields import PastInstant, PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..models import Complaint
from ..schemas.cases import (
    AppealIn,
    CaseLine,
    CaseOut,
    ComplaintIn,
    FiledOut,
    ImprovementIn,
    OverdueOut,
    PetitionDecisionIn,
    PetitionIn,
    PetitionOut,
    SupplierIn,
    SupplierOut,
)
from ..service import cases, records, reminders, steps
from .params import AfterId, CaseNo, IdQuery, StepName

router = APIRouter(tags=["complaints"])

# Any role but the till may ask; the service answers only the cases on the caller's route
# and in the caller's branch (service.cases.readable_case, issue 11).
Reader = Annotated[Actor, Depends(roles(*sorted(ROLES - {"pos"})))]
Department = Annotated[Actor, Depends(roles(
    "qa", "manufacturing", "rnd", "sales", "sales_manager", "gm_office", "service_dept",
    "counter", "counter_lead", "branch_manager", "accountant", "warehouse",
))]
Superior = Annotated[Actor, Depends(roles("gm", "vice_gm"))]
GmOffice = Annotated[Actor, Depends(roles("gm_office"))]
Improver = Annotated[Actor, Depends(roles("qa", "manufacturing", "gm_office"))]
StepBody = Annotated[dict[str, Any] | None, Body()]


def _filed(case: Complaint) -> FiledOut:
    return FiledOut(
        case_no=case.case_no, profile=case.profile, status=case.status,
        current_step=case.current_step, step_due_at=case.step_due_at,
        case_due_at=case.case_due_at, appeal_of=case.appeal_of,
    )


@router.post("/complaints", response_model=FiledOut, status_code=201)
async def file_complaint(body: ComplaintIn, rt: RuntimeDep, actor: ActorDep) -> FiledOut:
    """File a complaint and number it YYMMNN (SPEC C8, C9.1); sales or a counter files."""
    async with rt.db.transaction() as session:
        return _filed(await steps.file_complaint(rt.context, session, actor=actor, data=body))


@router.get("/complaints", response_model=list[CaseLine])
async def complaint_register(
    request: Request, response: Response, rt: RuntimeDep, actor: Reader,
    status: Literal["open", "closed"] | None = None,
    profile: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    source_card_id: IdQuery = None, limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[CaseLine]:
    """The complaint register the caller may read, oldest first, optionally filtered
    (SPEC C9.4, C14)."""
    async with rt.db.reading() as session:
        rows = await cases.register_lines(session, actor=actor, status=status, profile=profile,
                                          source_card_id=source_card_id, after_id=after_id,
                                          limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after_id",
                key=lambda c: c.id)  # CONTRACT "Lists"
    return [CaseLine.model_validate(r) for r in rows]


# CONTRACT "Lists": the overdue list's cursor is its last line, ``<case_no>:<kind>``.
OverdueAfter = Annotated[str | None, Query(
    min_length=8, max_length=21, pattern=r"^[0-9]{6,16}:(step|case)$",
    description="the last line of the previous page: case number and kind",
)]


@router.get("/complaints/overdue", response_model=list[OverdueOut])
async def overdue(
    request: Request, response: Response, rt: RuntimeDep, actor: Reader,
    as_of: Annotated[PastInstant | None, Query()] = None, limit: Limit = DEFAULT_LIMIT,
    after: OverdueAfter = None,
) -> list[OverdueOut]:
    """Open cases whose step or case deadline has passed (SPEC C14)."""
    mark = None
    if after is not None:
        case_no, kind = after.split(":")
        mark = (case_no, kind)
    async with rt.db.reading() as session:
        rows = await reminders.overdue_cases(session, actor=actor,
                                             as_of=as_of or rt.context.now(), after=mark,
                                             limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after",
                key=lambda r: f"{r['case_no']}:{r['kind']}")  # CONTRACT "Lists"
    return [OverdueOut.model_validate(r) for r in rows]


@router.get("/complaints/{case_no}", response_model=CaseOut)
async def read_case(case_no: CaseNo, rt: RuntimeDep, actor: Reader) -> CaseOut:
    """One case with its timeline, slips, petitions and decisions (SPEC C9.4, C14, §8)."""
    async with rt.db.reading() as session:
        return await cases.read_case(session, actor=actor, case_no=case_no)


@router.post("/complaints/{case_no}/steps/{step}", response_model=CaseOut)
async def complete_step(
    case_no: CaseNo, step: StepName, rt: RuntimeDep, actor: ActorDep, body: StepBody = None,
) -> CaseOut:
    """Complete the current step with its decision; only the owning role may (SPEC C9.4)."""
    async with rt.db.transaction() as session:
        case = await steps.complete_step(
            rt.context, session, actor=actor, case_no=case_no, step=step, body=body or {}
        )
        return await cases.case_view(session, case)


@router.post("/complaints/{case_no}/appeal", response_model=FiledOut, status_code=201)
async def appeal(case_no: CaseNo, body: AppealIn, rt: RuntimeDep, actor: ActorDep) -> FiledOut:
    """The customer rejects the decision: a new case linked to the original (SPEC C9.9)."""
    async with rt.db.transaction() as session:
        case = await records.appeal(rt.context, session, actor=actor, case_no=case_no,
                                    data=body)
        return _filed(case)


@router.post("/complaints/{case_no}/petitions", response_model=PetitionOut, status_code=201)
async def petition(
    case_no: CaseNo, body: PetitionIn, rt: RuntimeDep, actor: Department
) -> PetitionOut:
    """A department that disagrees petitions its superiors (SPEC C9.12)."""
    async with rt.db.transaction() as session:
        row = await records.petition(rt.context, session, actor=actor, case_no=case_no,
                                     data=body)
        return PetitionOut.model_validate(row, from_attributes=True)


@router.post("/complaints/{case_no}/petitions/{petition_id}/decision", response_model=PetitionOut)
async def decide_petition(
    case_no: CaseNo, petition_id: PathId, body: PetitionDecisionIn, rt: RuntimeDep,
    actor: Superior,
) -> PetitionOut:
    """The GM or vice GM answers a petition addressed to them (SPEC C9.12)."""
    async with rt.db.transaction() as session:
        row = await records.decide_petition(
            rt.context, session, actor=actor, case_no=case_no, petition_id=petition_id,
            data=body,
        )
        return PetitionOut.model_validate(row, from_attributes=True)


@router.post(
    "/complaints/{case_no}/supplier-coordination", response_model=SupplierOut, status_code=201
)
async def coordinate_supplier(
    case_no: CaseNo, body: SupplierIn, rt: RuntimeDep, actor: GmOffice
) -> SupplierOut:
    """The GM office records its coordination with the responsible supplier (SPEC C9.13)."""
    async with rt.db.transaction() as session:
        row = await records.coordinate_supplier(
            rt.context, session, actor=actor, case_no=case_no, data=body
        )
        return SupplierOut.model_validate(row, from_attributes=True)


@router.post("/complaints/{case_no}/improvement", response_model=CaseOut)
async def improvement_done(
    case_no: CaseNo, body: ImprovementIn, rt: RuntimeDep, actor: Improver
) -> CaseOut:
    """Record that the tracked improvement was carried out (SPEC C9.7)."""
    async with rt.db.transaction() as session:
        case = await records.improvement_done(
            rt.context, session, actor=actor, case_no=case_no, data=body
        )
        return await cases.case_view(session, case)
