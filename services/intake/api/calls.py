"""Routes of the repair-call register (SPEC S6, S8, S9, S18, S19, S24)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Actor, roles
from shared.fields import INT_MAX, Code, PastDate, PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..models import Call
from ..schemas import CallIn, CallOut, CancelIn, FlaggedCall, ReconciliationOut
from ..service import calls as service
from ..service import reconciliation

router = APIRouter(tags=["calls"])

Clerk = Annotated[Actor, Depends(roles("clerk"))]
# SPEC CT1: a supervisor or branch manager registers (and so approves) a call received
# longer ago than the branch's desk window allows.
CallTaker = Annotated[Actor, Depends(roles("clerk", "supervisor", "branch_manager"))]
RegisterReader = Annotated[
    Actor, Depends(roles("clerk", "supervisor", "service_dept", "branch_manager", "admin"))
]
Day = Annotated[PastDate, Query(alias="date")]


@router.post("/calls", response_model=CallOut, status_code=201)
async def create_call(body: CallIn, rt: RuntimeDep, actor: CallTaker) -> CallOut:
    """Register a repair call and issue its service voucher (SPEC S8, S6, S19, S18; a
    receipt older than the branch's window needs a supervisor's reason, CT1)."""
    async with rt.db.atomic() as unit:  # one statement on PostgreSQL (shared.atomic)
        call = await service.register_call(rt.context, unit, actor=actor, data=body)
    return CallOut.of(call)


@router.get("/calls/{call_id}", response_model=CallOut)
async def read_call(call_id: PathId, rt: RuntimeDep, actor: RegisterReader) -> CallOut:
    """One call of the register."""
    async with rt.db.reading() as session:
        return CallOut.of(await service.get_call(session, actor=actor, call_id=call_id))


@router.get("/calls", response_model=list[CallOut])
async def list_calls(
    request: Request,
    response: Response,
    rt: RuntimeDep,
    actor: RegisterReader,
    day: Day,
    branch: Code,
    limit: Limit = DEFAULT_LIMIT,
    after_id: Annotated[int, Query(ge=0, le=INT_MAX)] = 0,
) -> list[CallOut]:
    """The day's repair-call register of a branch (S8; the service dept reads it, S24)."""
    async with rt.db.reading() as session:
        calls = await service.register_of_day(rt.context, session, actor=actor, day=day,
                                              branch=branch, after_id=after_id,
                                              limit=limit + 1)
    calls = page(request, response, calls, limit=limit, cursor="after_id",
                 key=lambda row: row.id)  # CONTRACT "Lists"
    return [CallOut.of(c) for c in calls]


@router.post("/calls/{call_id}/cancel", response_model=CallOut)
async def cancel_call(call_id: PathId, body: CancelIn, rt: RuntimeDep, actor: Clerk) -> CallOut:
    """Withdraw a call nobody is working on yet, with a reason."""
    async with rt.db.transaction() as session:
        call = await service.cancel_call(rt.context, session, actor=actor, call_id=call_id,
                                         reason=body.reason)
        return CallOut.of(call)


@router.post("/calls/{call_id}/file", response_model=CallOut)
async def file_call(call_id: PathId, rt: RuntimeDep, actor: Clerk) -> CallOut:
    """Cancel (注銷) the completed call in the register and file its voucher (SPEC S9)."""
    async with rt.db.transaction() as session:
        call = await service.file_call(rt.context, session, actor=actor, call_id=call_id)
        return CallOut.of(call)


@router.post("/reconciliation", response_model=ReconciliationOut)
async def reconcile(rt: RuntimeDep, actor: Clerk, branch: Code, day: Day) -> ReconciliationOut:
    """Morning reconciliation of ``date``: earlier undispatched calls become priority (S18)."""
    async with rt.db.transaction() as session:
        run, flagged, waiting = await reconciliation.reconcile(
            rt.context, session, actor=actor, branch=branch, day=day
        )
        return ReconciliationOut(
            branch=branch, date=day, run_by=run.run_by,
            flagged=[_flag(c) for c in flagged], priority_calls=[_flag(c) for c in waiting],
        )


def _flag(call: Call) -> FlaggedCall:
    return FlaggedCall(call_id=call.id, voucher_no=call.voucher_no or "",
                       register_date=call.register_date)
