"""Journal and collection-rate routes (SPEC C13.2, C13.2(3), §8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shared.fields import PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas.returns import (
    CollectionRateOut,
    JournalEntryOut,
    ReceivableIn,
    ReceivableOut,
    ReverseIn,
)
from ..service import bookings
from ..service import ledger as svc
from .params import CODE, AfterId, QueryCode
from .roles import Accountant, LedgerReader, RateReader

router = APIRouter(tags=["journal"])


@router.get("/journal", response_model=list[JournalEntryOut])
async def read_journal(
    request: Request, response: Response,
    rt: RuntimeDep, actor: LedgerReader, case_no: QueryCode = None,
    invoice_no: QueryCode = None, limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[JournalEntryOut]:
    """Journal entries of a complaint case or an invoice, reversals included (C13.2), in
    booking order; paged after the entry ``after_id``."""
    async with rt.db.reading() as session:
        entries = await svc.journal(session, case_no=case_no, invoice_no=invoice_no,
                                    actor=actor, after_id=after_id, limit=limit + 1)
    entries = page(request, response, entries, limit=limit, cursor="after_id",
                   key=lambda e: e["entry_id"])  # CONTRACT "Lists"
    return [JournalEntryOut.model_validate(e) for e in entries]


@router.post("/journal/{entry_id}/reverse", response_model=JournalEntryOut,
             status_code=status.HTTP_201_CREATED)
async def reverse_entry(
    entry_id: PathId, body: ReverseIn, rt: RuntimeDep, actor: Accountant
) -> JournalEntryOut:
    """Correct a booked return or allowance by its reversing entry, never an edit (§8)."""
    async with rt.db.transaction() as session:
        reversal = await bookings.reverse_booking(rt.context, session, actor=actor,
                                                  entry_id=entry_id, reason=body.reason)
        entries = await svc.journal(session, case_no=reversal.case_no, invoice_no=None)
        return JournalEntryOut.model_validate(
            next(e for e in entries if e["entry_id"] == reversal.id))


@router.post("/receivables", response_model=ReceivableOut,
             status_code=status.HTTP_201_CREATED, tags=["collection rate"])
async def add_receivable(body: ReceivableIn, rt: RuntimeDep, actor: Accountant) -> ReceivableOut:
    """Record a salesperson's receivable for a month and part number (SPEC C13.2(3))."""
    async with rt.db.transaction() as session:
        row = await svc.add_receivable(rt.context, session, actor=actor, **body.model_dump())
        return ReceivableOut.model_validate(row)


@router.get("/collection-rate", response_model=CollectionRateOut, tags=["collection rate"])
async def read_collection_rate(
    salesperson: Annotated[str, Query(max_length=64, pattern=CODE)],
    month: Annotated[str, Query(max_length=7)], rt: RuntimeDep, _actor: RateReader
) -> CollectionRateOut:
    """Collected ÷ due for a salesperson's month, complaint-delayed parts left out (C13.2(3))."""
    async with rt.db.reading() as session:
        return CollectionRateOut.model_validate(
            await svc.collection_rate(session, salesperson=salesperson, month=month))
