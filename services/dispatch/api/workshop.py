"""Routes of the workshop: repair cards and escalations (SPEC S12–S14)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, roles
from shared.fields import PastInstant
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..models import RepairCard
from ..schemas import (
    EscalationOut,
    HelpIn,
    InspectIn,
    RepairCardNo,
    RepairCardOut,
    ReturnIn,
    WorkIn,
)
from ..service import workshop as service
from ..service.board import labour_on_card

router = APIRouter(tags=["workshop"])

Supervisor = Annotated[Actor, Depends(roles("supervisor"))]
Technician = Annotated[Actor, Depends(roles("technician"))]
# SPEC CT1: a supervisor logs work on the technician's behalf when it is recorded late.
Worker = Annotated[Actor, Depends(roles("technician", "supervisor"))]
Returner = Annotated[Actor, Depends(roles("technician", "supervisor", "clerk"))]
EscalationReader = Annotated[Actor, Depends(roles("supervisor", "branch_manager", "admin"))]


async def _out(session: AsyncSession, card: RepairCard) -> RepairCardOut:
    labour = await labour_on_card(session, card.repair_card_no)
    return RepairCardOut.model_validate(card).model_copy(update={"labour_minutes": labour})


@router.post("/repair-cards/{repair_card_no}/work", response_model=RepairCardOut)
async def log_work(
    repair_card_no: RepairCardNo, body: WorkIn, rt: RuntimeDep, actor: Worker
) -> RepairCardOut:
    """Put actual labour time and replaced parts on the repair card (S12); a work time
    older than the device window is logged by a supervisor with ``backdate_reason`` (CT1)."""
    async with rt.db.transaction() as session:
        return await _out(session, await service.log_repair(
            rt.context, session, actor=actor, repair_card_no=repair_card_no, minutes=body.minutes,
            parts=body.parts, at=body.at, backdate_reason=body.backdate_reason))


@router.post("/repair-cards/{repair_card_no}/help", response_model=RepairCardOut)
async def ask_for_help(
    repair_card_no: RepairCardNo, body: HelpIn, rt: RuntimeDep, actor: Technician
) -> RepairCardOut:
    """Tell the supervisor a repair will miss its promised date, before it passes (S14b)."""
    async with rt.db.transaction() as session:
        return await _out(session, await service.ask_for_help(
            rt.context, session, actor=actor, repair_card_no=repair_card_no,
            reason=body.reason))


@router.post("/repair-cards/{repair_card_no}/inspect", response_model=RepairCardOut)
async def inspect(
    repair_card_no: RepairCardNo, rt: RuntimeDep, actor: Supervisor, body: InspectIn | None = None
) -> RepairCardOut:
    """The supervisor inspects the repaired product and signs the card (S12)."""
    async with rt.db.transaction() as session:
        card = await service.inspect(rt.context, session, actor=actor,
                                     repair_card_no=repair_card_no,
                                     remark=body.note if body else None)
        return await _out(session, card)


@router.post("/repair-cards/{repair_card_no}/return", response_model=RepairCardOut)
async def return_product(
    repair_card_no: RepairCardNo, body: ReturnIn, rt: RuntimeDep, actor: Returner
) -> RepairCardOut:
    """Return the product against its pick-up receipt; the voucher is filed (S12, S13); a B
    job names the failed ``component`` and the ``cause`` (E3/E4)."""
    async with rt.db.transaction() as session:
        return await _out(session, await service.return_product(
            rt.context, session, actor=actor, repair_card_no=repair_card_no,
            signed_by=body.signed_by, pickup_receipt_no=body.pickup_receipt_no,
            component=body.component, cause=body.cause, repairable=body.repairable))


AFTER_PATTERN = r"^[A-Za-z0-9_.:\-]+$"  # a voucher number, as in the paths (schemas)


@router.get("/escalations", response_model=list[EscalationOut])
async def escalations(
    request: Request, response: Response, branch: str, rt: RuntimeDep,
    actor: EscalationReader, as_of: PastInstant | None = None, limit: Limit = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(min_length=1, max_length=48, pattern=AFTER_PATTERN,
                                       description="the last voucher of the previous page")
                     ] = None,
) -> list[EscalationOut]:
    """Carry-in repairs past their promised date at ``as_of`` (default now) (S14)."""
    when: datetime = as_of or rt.clock.now()
    async with rt.db.reading() as session:
        rows = await service.overdue_repairs(rt.context, session, actor=actor, branch=branch,
                                             as_of=when, after=after, limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after",
                key=lambda row: row[0].voucher_no)  # CONTRACT "Lists"
    return [
        EscalationOut(
            voucher_no=card.voucher_no, repair_card_no=card.repair_card_no or "",
            technician_id=card.technician_id, promised_on=card.promised_on,
            overdue_at=card.overdue_at, escalated_at=esc.escalated_at if esc else None,
            returned_at=card.returned_at,
        )
        for card, esc in rows
    ]
