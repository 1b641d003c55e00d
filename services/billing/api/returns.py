"""Returns and allowances routes: receive, release, approve, sign, book (SPEC C13)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..domain.returns import missing_allowance_signatures
from ..models import Allowance, ReturnSlip
from ..schemas.returns import (
    AllowanceOut,
    OrderRatioIn,
    OrderRatioOut,
    ProofIn,
    ReceiptIn,
    ReleaseIn,
    ReturnProofIn,
    ReturnSlipOut,
    SignIn,
)
from ..service import bookings
from ..service import returns as svc
from .params import AfterDoc, DocNo, QueryCode
from .roles import (
    Accountant,
    Approver,
    RatioSetter,
    ReturnsReader,
    SignatureTaker,
    SlipApprover,
    Warehouse,
)

router = APIRouter(tags=["returns accounting"])


@router.get("/return-slips", response_model=list[ReturnSlipOut])
async def list_return_slips(
    request: Request, response: Response,
    rt: RuntimeDep, _actor: ReturnsReader, case_no: QueryCode = None, status: QueryCode = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[ReturnSlipOut]:
    """Return slips by complaint case and status (SPEC C13.1(2)), oldest first then by
    number; paged after the slip ``after``."""
    async with rt.db.reading() as session:
        found = await svc.find_documents(session, ReturnSlip, case_no=case_no, status=status,
                                         after=after, limit=limit + 1)
        found = page(request, response, found, limit=limit, cursor="after",
                     key=lambda s: s.slip_no)  # type: ignore[union-attr]  # CONTRACT "Lists"
        return [await _slip_out(session, s) for s in found]  # type: ignore[arg-type]


@router.get("/return-slips/{slip_no}", response_model=ReturnSlipOut)
async def read_return_slip(slip_no: DocNo, rt: RuntimeDep, _actor: ReturnsReader) -> ReturnSlipOut:
    """One return slip (SPEC C13.1(2))."""
    async with rt.db.reading() as session:
        return await _slip_out(session, await svc.get_slip(session, slip_no))


@router.post("/return-slips/{slip_no}/approve", response_model=ReturnSlipOut)
async def approve_slip(slip_no: DocNo, rt: RuntimeDep, actor: SlipApprover) -> ReturnSlipOut:
    """The (vice) manager approves the slip; its copies are routed (SPEC C13.1(2)b)."""
    async with rt.db.transaction() as session:
        slip = await bookings.approve_slip(rt.context, session, actor=actor, slip_no=slip_no)
        return await _slip_out(session, slip)


@router.post("/return-slips/{slip_no}/receipt", response_model=ReturnSlipOut)
async def receive(
    slip_no: DocNo, body: ReceiptIn, rt: RuntimeDep, actor: Warehouse
) -> ReturnSlipOut:
    """The warehouse signs for the quantity received against the approved slip (SPEC
    C13.1(2)b, C13.2(1))."""
    async with rt.db.transaction() as session:
        slip = await bookings.receive(rt.context, session, actor=actor, slip_no=slip_no,
                                      received_qty=body.received_qty,
                                      signed_by=body.signed_by, note=body.note)
        return await _slip_out(session, slip)


@router.post("/return-slips/{slip_no}/release", response_model=ReturnSlipOut)
async def release(
    slip_no: DocNo, body: ReleaseIn, rt: RuntimeDep, actor: Accountant
) -> ReturnSlipOut:
    """Release a held slip after review with the quantity to book (SPEC C13.2(1))."""
    async with rt.db.transaction() as session:
        slip = await bookings.release(rt.context, session, actor=actor, slip_no=slip_no,
                                      book_qty=body.book_qty, note=body.note,
                                      book_amount=body.book_amount)
        return await _slip_out(session, slip)


@router.post("/return-slips/{slip_no}/book", response_model=ReturnSlipOut)
async def book_return(
    slip_no: DocNo, body: ReturnProofIn, rt: RuntimeDep, actor: Accountant
) -> ReturnSlipOut:
    """Book a received return with its proof and the amount on it; journal entry and
    ReturnBooked (C13.2(4)); an amount unlike the approved one holds it (C13.2(1)b)."""
    async with rt.db.transaction() as session:
        slip = await bookings.book_return(rt.context, session, actor=actor, slip_no=slip_no,
                                          proof=body.proof, amount=body.amount)
        return await _slip_out(session, slip)


@router.get("/allowances", response_model=list[AllowanceOut])
async def list_allowances(
    request: Request, response: Response,
    rt: RuntimeDep, _actor: ReturnsReader, case_no: QueryCode = None, status: QueryCode = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[AllowanceOut]:
    """Allowance certificates by complaint case and status (SPEC C13.1(1)), oldest first
    then by number; paged after the certificate ``after``."""
    async with rt.db.reading() as session:
        found = await svc.find_documents(session, Allowance, case_no=case_no, status=status,
                                         after=after, limit=limit + 1)
        found = page(request, response, found, limit=limit, cursor="after",
                     key=lambda a: a.allowance_no)  # type: ignore[union-attr]  # CONTRACT "Lists"
        return [await _allowance_out(session, a) for a in found]  # type: ignore[arg-type]


@router.get("/allowances/{allowance_no}", response_model=AllowanceOut)
async def read_allowance(
    allowance_no: DocNo, rt: RuntimeDep, _actor: ReturnsReader
) -> AllowanceOut:
    """One allowance certificate with its approvals and what it still lacks (C13.1(1))."""
    async with rt.db.reading() as session:
        return await _allowance_out(session, await svc.get_allowance(session, allowance_no))


@router.post("/allowances/{allowance_no}/approve", response_model=AllowanceOut)
async def approve(allowance_no: DocNo, rt: RuntimeDep, actor: Approver) -> AllowanceOut:
    """Approve an allowance at the caller's level: (vice) manager or (vice) GM (C13.1(1))."""
    async with rt.db.transaction() as session:
        allowance = await bookings.approve(rt.context, session, actor=actor,
                                           allowance_no=allowance_no)
        return await _allowance_out(session, allowance)


@router.post("/allowances/{allowance_no}/sign", response_model=AllowanceOut)
async def sign(
    allowance_no: DocNo, body: SignIn, rt: RuntimeDep, actor: SignatureTaker
) -> AllowanceOut:
    """Record the customer's signature on the certificate (SPEC C13.1(1))."""
    async with rt.db.transaction() as session:
        allowance = await bookings.sign(rt.context, session, actor=actor, allowance_no=allowance_no,
                                        signed_by=body.signed_by)
        return await _allowance_out(session, allowance)


@router.post("/allowances/{allowance_no}/book", response_model=AllowanceOut)
async def book_allowance(
    allowance_no: DocNo, body: ProofIn, rt: RuntimeDep, actor: Accountant
) -> AllowanceOut:
    """Book an approved, signed allowance with its proof (SPEC C13.1(1), C13.2(5))."""
    async with rt.db.transaction() as session:
        allowance = await bookings.book_allowance(rt.context, session, actor=actor,
                                                  allowance_no=allowance_no, proof=body.proof)
        return await _allowance_out(session, allowance)


@router.put("/orders/{order_no}/over-acceptance-ratio", response_model=OrderRatioOut)
async def set_ratio(
    order_no: DocNo, body: OrderRatioIn, rt: RuntimeDep, actor: RatioSetter
) -> OrderRatioOut:
    """Record a customer order's over-acceptance ratio (超量允收比率, SPEC C13.2(1))."""
    async with rt.db.transaction() as session:
        row = await svc.set_order_ratio(rt.context, session, actor=actor, order_no=order_no,
                                        ratio=body.ratio)
        return OrderRatioOut.model_validate(row)


async def _slip_out(session: AsyncSession, slip: ReturnSlip) -> ReturnSlipOut:
    copies = await bookings.slip_copies(session, slip.slip_no)
    fields = {n: getattr(slip, n) for n in ReturnSlipOut.model_fields if n != "copies"}
    return ReturnSlipOut.model_validate({**fields, "copies": copies})


async def _allowance_out(session: AsyncSession, allowance: Allowance) -> AllowanceOut:
    approvals = await bookings.approval_roles(session, allowance.allowance_no)
    missing = [] if allowance.status == "booked" else missing_allowance_signatures(
        [a.role for a in approvals], allowance.customer_signed_by is not None)
    fields = {n: getattr(allowance, n) for n in AllowanceOut.model_fields
              if n not in ("approvals", "missing")}
    return AllowanceOut.model_validate({**fields, "approvals": approvals, "missing": missing})
