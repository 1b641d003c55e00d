"""Routes for abnormality sheets (SPEC C3) and retail gift borrowing (SPEC R2b)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response

from shared.auth import Actor, roles
from shared.fields import INT_MAX, PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..domain.abnormality import CLOSERS, FILERS, UNITS
from ..models import AbnormalitySheet, Complaint, GiftBorrowing
from ..schemas.abnormality import (
    CloseIn,
    GiftBorrowingIn,
    GiftBorrowingOut,
    ImprovementIn,
    SheetIn,
    SheetOut,
)
from ..service import abnormality, retail
from ..service.abnormality import OVERSEERS
from .params import CaseNo

router = APIRouter(tags=["abnormality"])

Filer = Annotated[Actor, Depends(roles(*sorted(FILERS)))]
SheetReader = Annotated[Actor, Depends(roles(*sorted(FILERS | UNITS | OVERSEERS)))]
Improver = Annotated[Actor, Depends(roles(*sorted(UNITS)))]
Closer = Annotated[Actor, Depends(roles(*sorted(FILERS | CLOSERS)))]
GiftActor = Annotated[Actor, Depends(roles("counter", "counter_lead"))]
Organiser = Annotated[Actor, Depends(roles("branch_manager"))]
Status = Annotated[Literal["open", "improved", "closed"] | None, Query()]


def sheet_out(sheet: AbnormalitySheet) -> SheetOut:
    """The sheet as answered (SPEC C3)."""
    return SheetOut.model_validate(sheet, from_attributes=True)


def borrowing_out(case: Complaint, row: GiftBorrowing) -> GiftBorrowingOut:
    """A gift borrowing as answered (SPEC R2b)."""
    return GiftBorrowingOut(
        id=row.id, case_no=case.case_no, vendor=row.vendor, gifts=row.gifts,
        counter_staff=row.counter_staff, requested_by=row.requested_by,
        requested_at=row.requested_at, organiser_agreed_by=row.organiser_agreed_by,
        organiser_agreed_at=row.organiser_agreed_at,
    )


@router.post("/abnormalities", response_model=SheetOut, status_code=201)
async def file_sheet(body: SheetIn, rt: RuntimeDep, actor: Filer) -> SheetOut:
    """File an abnormality sheet for a no-loss quality issue (SPEC C3)."""
    async with rt.db.transaction() as session:
        return sheet_out(await abnormality.file_sheet(rt.context, session, actor=actor,
                                                      data=body))


@router.get("/abnormalities", response_model=list[SheetOut])
async def list_sheets(
    request: Request, response: Response, rt: RuntimeDep, actor: SheetReader,
    status: Status = None, limit: Limit = DEFAULT_LIMIT,
    after_id: Annotated[int | None, Query(
        ge=1, le=INT_MAX, description="the last (oldest) sheet of the previous page")] = None,
) -> list[SheetOut]:
    """Sheets routed to the caller's unit or filed by it, newest first; all for overseers
    (SPEC C3)."""
    async with rt.db.reading() as session:
        rows = await abnormality.list_sheets(session, actor=actor, status=status,
                                             after_id=after_id, limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="after_id",
                key=lambda r: r.id)  # CONTRACT "Lists"
    return [sheet_out(r) for r in rows]


@router.get("/abnormalities/{sheet_id}", response_model=SheetOut)
async def get_sheet(sheet_id: PathId, rt: RuntimeDep, actor: SheetReader) -> SheetOut:
    """One sheet (SPEC C3)."""
    async with rt.db.reading() as session:
        return sheet_out(await abnormality.readable_sheet(session, actor=actor,
                                                          sheet_id=sheet_id))


@router.post("/abnormalities/{sheet_id}/improvement", response_model=SheetOut)
async def improve(sheet_id: PathId, body: ImprovementIn, rt: RuntimeDep,
                  actor: Improver) -> SheetOut:
    """The unit concerned records its improvement: who, when, what (SPEC C3)."""
    async with rt.db.transaction() as session:
        return sheet_out(await abnormality.record_improvement(
            rt.context, session, actor=actor, sheet_id=sheet_id, data=body))


@router.post("/abnormalities/{sheet_id}/close", response_model=SheetOut)
async def close(sheet_id: PathId, rt: RuntimeDep, actor: Closer,
                body: Annotated[CloseIn | None, Body()] = None) -> SheetOut:
    """The filer's role or the GM office closes an improved sheet (SPEC C3)."""
    async with rt.db.transaction() as session:
        return sheet_out(await abnormality.close_sheet(
            rt.context, session, actor=actor, sheet_id=sheet_id, data=body or CloseIn()))


@router.post("/complaints/{case_no}/gift-borrowings", response_model=GiftBorrowingOut,
             status_code=201, tags=["complaints"])
async def request_gifts(case_no: CaseNo, body: GiftBorrowingIn, rt: RuntimeDep,
                        actor: GiftActor) -> GiftBorrowingOut:
    """A counter records gifts to borrow from another vendor, with the counter staff
    agreeing (SPEC R2b)."""
    async with rt.db.transaction() as session:
        case, row = await retail.request_gifts(rt.context, session, actor=actor,
                                               case_no=case_no, data=body)
        return borrowing_out(case, row)


@router.post("/complaints/{case_no}/gift-borrowings/{borrowing_id}/agree",
             response_model=GiftBorrowingOut, tags=["complaints"])
async def agree_gifts(case_no: CaseNo, borrowing_id: PathId, rt: RuntimeDep,
                      actor: Organiser) -> GiftBorrowingOut:
    """The branch organiser agrees to the borrowing beforehand (SPEC R2b)."""
    async with rt.db.transaction() as session:
        case, row = await retail.agree_gifts(rt.context, session, actor=actor,
                                             case_no=case_no, borrowing_id=borrowing_id)
        return borrowing_out(case, row)
