"""POS instruction routes: what is pending, delivered, confirmed, held (SPEC §7)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from shared.fields import INT_MAX
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas.pos import OrphanConfirmationOut, PosInstructionOut, ReviewIn
from ..service import pos as svc
from .params import AfterDoc, DocNo, QueryCode
from .roles import Accountant, Accounting

router = APIRouter(prefix="/pos", tags=["POS instructions"])

Status = Literal["pending", "delivered", "confirmed", "reversed"]


@router.get("/instructions", response_model=list[PosInstructionOut])
async def list_instructions(
    request: Request, response: Response,
    rt: RuntimeDep, actor: Accounting, store_id: QueryCode = None,
    status: Status | None = None, case_no: QueryCode = None, held: bool | None = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[PosInstructionOut]:
    """Refund and allowance instructions with their delivery state (SPEC §7), oldest
    first; paged after the instruction ``after``."""
    async with rt.db.reading() as session:
        rows = await svc.find_instructions(session, actor=actor, store_id=store_id, status=status,
                                           case_no=case_no, held=held, after=after,
                                           limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after",
                key=lambda r: r.instruction_id)  # CONTRACT "Lists"
    return [PosInstructionOut.model_validate(r) for r in rows]


@router.get("/instructions/{instruction_id}", response_model=PosInstructionOut)
async def read_instruction(
    instruction_id: DocNo, rt: RuntimeDep, actor: Accounting
) -> PosInstructionOut:
    """One instruction: attempts, last error, delivery and confirmation (SPEC §7)."""
    async with rt.db.reading() as session:
        return PosInstructionOut.model_validate(
            await svc.get_instruction(session, instruction_id, actor=actor))


@router.post("/instructions/{instruction_id}/review", response_model=PosInstructionOut)
async def review_instruction(
    instruction_id: DocNo, body: ReviewIn, rt: RuntimeDep, actor: Accountant
) -> PosInstructionOut:
    """Clear the hold on a booking whose executed amount differed (SPEC §7, C13.2)."""
    async with rt.db.transaction() as session:
        row = await svc.review(rt.context, session, actor=actor, instruction_id=instruction_id,
                               note=body.note)
        return PosInstructionOut.model_validate(row)


@router.get("/orphan-confirmations", response_model=list[OrphanConfirmationOut])
async def list_orphans(
    request: Request, response: Response,
    rt: RuntimeDep, actor: Accounting, store_id: QueryCode = None,
    limit: Limit = DEFAULT_LIMIT,
    after_id: Annotated[int | None, Query(
        ge=1, le=INT_MAX, description="the last (oldest) id of the previous page")] = None,
) -> list[OrphanConfirmationOut]:
    """POS confirmations that fit no instruction, kept for inspection (SPEC §7), newest
    first; paged after (older than) the confirmation ``after_id``."""
    async with rt.db.reading() as session:
        rows = await svc.orphan_confirmations(rt.context, session, actor=actor,
                                              store_id=store_id, after_id=after_id,
                                              limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after_id",
                key=lambda r: r.id)  # CONTRACT "Lists"
    return [OrphanConfirmationOut.model_validate(r) for r in rows]
