"""Routes of the supervisor's board and the voucher's history (SPEC S8, S18, §8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Actor, roles
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas import (
    AssignmentOut,
    BoardLine,
    PartOut,
    RepairCardOut,
    SignatureOut,
    VoucherHistory,
    VoucherNo,
    VoucherOut,
    WorkshopEntryOut,
)
from ..service import board as service

router = APIRouter(tags=["board"])

BoardReader = Annotated[
    Actor, Depends(roles("supervisor", "clerk", "technician", "branch_manager", "admin"))
]
VoucherReader = Annotated[
    Actor, Depends(roles("supervisor", "clerk", "technician", "branch_manager", "accountant",
                         "service_dept", "admin"))
]


AFTER_PATTERN = r"^[A-Za-z0-9_.:\-]+$"  # a voucher number, as in the path (schemas)


@router.get("/board", response_model=list[BoardLine])
async def read_board(
    request: Request, response: Response, branch: str, rt: RuntimeDep, actor: BoardReader,
    include_closed: bool = False, limit: Limit = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(min_length=1, max_length=48, pattern=AFTER_PATTERN,
                                       description="the last voucher of the previous page")
                     ] = None,
) -> list[BoardLine]:
    """Vouchers of a branch: waiting first, priority first, then by arrival deadline (S18)."""
    async with rt.db.reading() as session:
        items = await service.board(rt.context, session, actor=actor, branch=branch,
                                    include_closed=include_closed, limit=limit + 1,
                                    after=after)
    items = page(request, response, items, limit=limit, cursor="after",
                 key=lambda i: i.voucher_no)  # CONTRACT "Lists"
    return [BoardLine.model_validate(i.voucher).model_copy(
        update={"priority": i.priority, "priority_reason": i.priority_reason})
        for i in items]


@router.get("/vouchers/{voucher_no}", response_model=VoucherHistory)
async def read_voucher(
    voucher_no: VoucherNo, rt: RuntimeDep, actor: VoucherReader
) -> VoucherHistory:
    """The voucher's full history: status, assignments, arrival, signatures, repair card."""
    async with rt.db.reading() as session:
        found = await service.history(rt.context, session, actor=actor, voucher_no=voucher_no)
    card = None
    if found.repair_card is not None:
        card = RepairCardOut.model_validate(found.repair_card).model_copy(
            update={"labour_minutes": found.labour_on_card})
    return VoucherHistory(
        **VoucherOut.model_validate(found.voucher).model_dump(),
        assignments=[AssignmentOut.model_validate(a) for a in found.assignments],
        signatures=[SignatureOut.model_validate(s) for s in found.signatures],
        parts=[PartOut.model_validate(p) for p in found.parts],
        repair_card=card,
        workshop_entry=(WorkshopEntryOut.model_validate(found.workshop_entry)
                        if found.workshop_entry else None),
        timeline=found.timeline,
    )
