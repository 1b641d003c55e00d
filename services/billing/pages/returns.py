"""Returns accounting in the browser (SPEC C13.1, C13.2(1), C13.2(4)/(5)): the return
slips (成品退货单) and allowance certificates (销货折让证明单), each with its page and the
forms of its next step — approval, the customer's signature, the warehouse's signed
receipt, the review of a held slip, booking with its proof — and an order's
over-acceptance ratio. The same use cases and roles as ``api/returns.py``; forms post and
come back to the document's page (303).

Console paths live under ``/returns`` because ``/allowances/{no}`` and
``/return-slips/{no}`` are the JSON routes' (a page at ``/allowances/page`` would be read
as the document number "page").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from shared.auth import Actor, roles
from shared.fields import INT_MAX, ShortText, Text
from shared.money import MoneyIn
from shared.rules import WrongState
from shared.runtime import RuntimeDep

from ..api.params import DocNo, QueryCode
from ..api.roles import (
    Accountant,
    Approver,
    RatioSetter,
    ReturnsReader,
    SignatureTaker,
    SlipApprover,
    Warehouse,
)
from ..domain.returns import (
    GM_ROLES,
    MANAGER_ROLES,
    AllowanceProof,
    ReturnProof,
    missing_allowance_signatures,
    slip_approvers,
)
from ..models import Allowance, ReturnSlip
from ..service import bookings
from ..service import returns as svc
from . import router

PAGE = "/returns"
# A count typed in a form arrives as text: not strict like the JSON ``Count``, same bounds.
FormCount = Annotated[int, Field(ge=0, le=INT_MAX)]
# [choice] The counter takes the customer's signature on an allowance (SignatureTaker), so
# it may open the certificate it signs; the JSON read stays with ReturnsReader.
AllowanceReader = Annotated[Actor, Depends(roles(
    "accountant", "warehouse", "sales", "sales_manager", "branch_manager", "vice_gm", "gm",
    "gm_office", "admin", "counter", "counter_lead",
))]
SIGNERS = frozenset({"sales", "sales_manager", "counter", "counter_lead", "accountant"})


def _blank(value: object) -> object:
    return None if value == "" else value


class ReceiptForm(BaseModel):
    received_qty: FormCount
    signed_by: ShortText | None = Field(default=None, max_length=120)
    note: Text | None = Field(default=None, max_length=250)

    _blanks = field_validator("signed_by", "note", mode="before")(_blank)


class BookReturnForm(BaseModel):
    proof: str = Field(max_length=64)  # the domain judges it (SPEC C13.2(4))
    amount: MoneyIn


class ProofForm(BaseModel):
    proof: str = Field(max_length=64)  # the domain judges it (SPEC C13.2(5))


class SignForm(BaseModel):
    signed_by: ShortText = Field(max_length=120)


class ReleaseForm(BaseModel):
    book_qty: FormCount = Field(ge=1)
    note: Text = Field(min_length=3, max_length=200)
    book_amount: MoneyIn | None = None  # SPEC C13.2(1)b

    _blanks = field_validator("book_amount", mode="before")(_blank)


class RatioForm(BaseModel):
    order_no: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:\-]+$")
    ratio: Decimal = Field(ge=0, lt=1, max_digits=6, decimal_places=4, allow_inf_nan=False)


@router.get(PAGE, response_class=HTMLResponse)
async def returns_page(
    request: Request, rt: RuntimeDep, actor: ReturnsReader,
    status: QueryCode = None, case_no: QueryCode = None,
) -> HTMLResponse:
    """Return slips and allowance certificates by status and case (SPEC C13.1)."""
    async with rt.db.reading() as session:
        slips = await svc.find_documents(session, ReturnSlip, case_no=case_no, status=status)
        allowances = await svc.find_documents(session, Allowance, case_no=case_no,
                                              status=status)
    return request.app.state.console.render(
        request, "billing_returns.html", actor=actor, slips=slips, allowances=allowances,
        status=status or "", case_no=case_no or "",
        may_set_ratio=actor.role in ("sales", "sales_manager", "accountant"))


@router.post(f"{PAGE}/orders/ratio", response_class=HTMLResponse)
async def set_ratio(rt: RuntimeDep, actor: RatioSetter,
                    form: Annotated[RatioForm, Form()]) -> Response:
    """Record an order's over-acceptance ratio (超量允收比率, SPEC C13.2(1))."""
    async with rt.db.transaction() as session:
        await svc.set_order_ratio(rt.context, session, actor=actor, order_no=form.order_no,
                                  ratio=form.ratio)
    return RedirectResponse(PAGE, status_code=303)


# -- return slips (成品退货单, SPEC C13.1(2), C13.2(1)) -------------------------------------

def _slip_url(slip_no: str) -> str:
    return f"{PAGE}/slips/{slip_no}"


@router.get(f"{PAGE}/slips/{{slip_no}}", response_class=HTMLResponse)
async def slip_page(slip_no: DocNo, request: Request, rt: RuntimeDep,
                    actor: ReturnsReader) -> HTMLResponse:
    """One return slip: its figures, the copies' routing and the step the caller may take."""
    async with rt.db.reading() as session:
        slip = await svc.get_slip(session, slip_no)
        copies = await bookings.slip_copies(session, slip_no)
        expected = None
        if slip.status in ("received", "reversed"):
            try:
                expected = bookings.expected_amount(slip)
            except WrongState:  # no approved amount: booking will say so (C13.1(2))
                expected = None
    may = {
        "approve": slip.status == "awaiting_approval" and actor.role in slip_approvers(
            slip.profile) and actor.may_act_in(slip.branch),
        "receive": slip.status == "awaiting_receipt" and actor.role == "warehouse",
        "release": slip.status == "held" and actor.role == "accountant",
        "book": slip.status in ("received", "reversed") and actor.role == "accountant",
    }
    return request.app.state.console.render(
        request, "billing_slip.html", actor=actor, slip=slip, copies=copies, may=may,
        expected=expected, proofs=[p.value for p in ReturnProof])


@router.post(f"{PAGE}/slips/{{slip_no}}/approve", response_class=HTMLResponse)
async def approve_slip(slip_no: DocNo, rt: RuntimeDep, actor: SlipApprover) -> Response:
    """The (vice) manager approves the slip; its copies are routed (SPEC C13.1(2)b)."""
    async with rt.db.transaction() as session:
        await bookings.approve_slip(rt.context, session, actor=actor, slip_no=slip_no)
    return RedirectResponse(_slip_url(slip_no), status_code=303)


@router.post(f"{PAGE}/slips/{{slip_no}}/receipt", response_class=HTMLResponse)
async def receive_slip(slip_no: DocNo, rt: RuntimeDep, actor: Warehouse,
                       form: Annotated[ReceiptForm, Form()]) -> Response:
    """The warehouse signs for the quantity received (SPEC C13.1(2)b, C13.2(1))."""
    async with rt.db.transaction() as session:
        await bookings.receive(rt.context, session, actor=actor, slip_no=slip_no,
                               received_qty=form.received_qty, signed_by=form.signed_by,
                               note=form.note)
    return RedirectResponse(_slip_url(slip_no), status_code=303)


@router.post(f"{PAGE}/slips/{{slip_no}}/release", response_class=HTMLResponse)
async def release_slip(slip_no: DocNo, rt: RuntimeDep, actor: Accountant,
                       form: Annotated[ReleaseForm, Form()]) -> Response:
    """Release a held slip with the reviewed quantity and amount (SPEC C13.2(1), (1)b)."""
    async with rt.db.transaction() as session:
        await bookings.release(rt.context, session, actor=actor, slip_no=slip_no,
                               book_qty=form.book_qty, note=form.note,
                               book_amount=form.book_amount)
    return RedirectResponse(_slip_url(slip_no), status_code=303)


@router.post(f"{PAGE}/slips/{{slip_no}}/book", response_class=HTMLResponse)
async def book_slip(slip_no: DocNo, rt: RuntimeDep, actor: Accountant,
                    form: Annotated[BookReturnForm, Form()]) -> Response:
    """Book a received return with its proof and amount (SPEC C13.2(4), C13.2(1)b)."""
    async with rt.db.transaction() as session:
        await bookings.book_return(rt.context, session, actor=actor, slip_no=slip_no,
                                   proof=form.proof, amount=form.amount)
    return RedirectResponse(_slip_url(slip_no), status_code=303)


# -- allowance certificates (销货折让证明单, SPEC C13.1(1), C13.2(5)) -------------------------

def _allowance_url(allowance_no: str) -> str:
    return f"{PAGE}/allowances/{allowance_no}"


@router.get(f"{PAGE}/allowances/{{allowance_no}}", response_class=HTMLResponse)
async def allowance_page(allowance_no: DocNo, request: Request, rt: RuntimeDep,
                         actor: AllowanceReader) -> HTMLResponse:
    """One allowance certificate: approvals, signature, what it lacks, the next step."""
    async with rt.db.reading() as session:
        allowance = await svc.get_allowance(session, allowance_no)
        approvals = await bookings.approval_roles(session, allowance_no)
    levels = {a.level for a in approvals}
    open_ = allowance.status in ("awaiting_approval", "ready")
    level = ("manager" if actor.role in MANAGER_ROLES
             else "gm" if actor.role in GM_ROLES else None)
    missing = [] if allowance.status == "booked" else missing_allowance_signatures(
        [a.role for a in approvals], allowance.customer_signed_by is not None)
    may = {
        "approve": open_ and level is not None and level not in levels,
        "sign": open_ and actor.role in SIGNERS and allowance.customer_signed_by is None,
        "book": allowance.status in ("awaiting_approval", "ready", "reversed")
        and actor.role == "accountant",
    }
    return request.app.state.console.render(
        request, "billing_allowance.html", actor=actor, allowance=allowance,
        approvals=approvals, missing=missing, may=may,
        proofs=[p.value for p in AllowanceProof])


@router.post(f"{PAGE}/allowances/{{allowance_no}}/approve", response_class=HTMLResponse)
async def approve_allowance(allowance_no: DocNo, rt: RuntimeDep, actor: Approver) -> Response:
    """Approve at the caller's level: (vice) manager or (vice) GM (SPEC C13.1(1))."""
    async with rt.db.transaction() as session:
        await bookings.approve(rt.context, session, actor=actor, allowance_no=allowance_no)
    return RedirectResponse(_allowance_url(allowance_no), status_code=303)


@router.post(f"{PAGE}/allowances/{{allowance_no}}/sign", response_class=HTMLResponse)
async def sign_allowance(allowance_no: DocNo, rt: RuntimeDep, actor: SignatureTaker,
                         form: Annotated[SignForm, Form()]) -> Response:
    """Record who signed the certificate for the customer (SPEC C13.1(1))."""
    async with rt.db.transaction() as session:
        await bookings.sign(rt.context, session, actor=actor, allowance_no=allowance_no,
                            signed_by=form.signed_by)
    return RedirectResponse(_allowance_url(allowance_no), status_code=303)


@router.post(f"{PAGE}/allowances/{{allowance_no}}/book", response_class=HTMLResponse)
async def book_allowance(allowance_no: DocNo, rt: RuntimeDep, actor: Accountant,
                         form: Annotated[ProofForm, Form()]) -> Response:
    """Book an approved, signed allowance with its proof (SPEC C13.1(1), C13.2(5))."""
    async with rt.db.transaction() as session:
        await bookings.book_allowance(rt.context, session, actor=actor,
                                      allowance_no=allowance_no, proof=form.proof)
    return RedirectResponse(_allowance_url(allowance_no), status_code=303)
