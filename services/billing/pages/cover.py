"""Cover at work (SPEC E4, E5, C13.2(1)): the accountant's claims to submit and settle,
the replacements the branch manager decides, the return slips the branch manager approves
(C13.1(2)b) and those held for review (with a reviewed amount, C13.2(1)b). The
same use cases as ``api/claims.py`` and ``api/returns.py``; forms post and come back
here (303)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from shared.auth import Actor, roles
from shared.fields import ShortText, Text
from shared.money import MoneyIn
from shared.runtime import RuntimeDep

from ..api.params import DocNo, QueryCode
from ..api.roles import Accountant, Accounting, ReplacementApprover
from ..domain.returns import slip_approvers
from ..models import CoverCheck, ReturnSlip
from ..service import bookings, claims, replacements, vouchers
from ..service import returns as slips
from . import router
from .returns import FormCount

CoverReader = Annotated[Actor, Depends(roles("accountant", "branch_manager"))]
BACK = "/cover"


class SettleForm(BaseModel):
    outcome: Literal["paid", "rejected"]
    note: Text | None = Field(default=None, max_length=500)


class SubmitForm(BaseModel):
    provider_ref: ShortText | None = Field(default=None, max_length=80)


class DecisionForm(BaseModel):
    decision: Literal["approve", "refuse"]
    note: Text | None = Field(default=None, max_length=500)


class ReleaseForm(BaseModel):
    book_qty: FormCount = Field(ge=1)
    note: Text = Field(min_length=3, max_length=200)
    book_amount: MoneyIn | None = None  # SPEC C13.2(1)b: a reviewed amount to book

    @field_validator("book_amount", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


@router.get("/cover", response_class=HTMLResponse)
async def cover_page(request: Request, rt: RuntimeDep, actor: CoverReader) -> HTMLResponse:
    """Open and submitted claims, pending replacements, held return slips (E4, E5)."""
    async with rt.db.reading() as session:
        open_claims = [c for c in await claims.find_claims(
            session, actor=actor, branch=None, status=None, provider=None)
            if c.status in ("open", "submitted")]
        pending = await replacements.find_requests(session, actor=actor, branch=None,
                                                   status="pending")
        held = await slips.find_documents(session, ReturnSlip, case_no=None, status="held")
        # SPEC C13.1(2)b: the slips this branch manager approves before the warehouse.
        to_approve = [s for s in await slips.find_documents(
            session, ReturnSlip, case_no=None, status="awaiting_approval")
            if actor.role in slip_approvers(s.profile) and actor.may_act_in(s.branch)]
    return request.app.state.console.render(
        request, "billing_cover.html", actor=actor, claims=open_claims, pending=pending,
        held=held if actor.role == "accountant" else [],
        to_approve=to_approve if actor.role == "branch_manager" else [],
        may_book=actor.role == "accountant", may_decide=actor.role == "branch_manager")


@router.post("/cover/claims/{claim_no}/submit", response_class=HTMLResponse)
async def submit_claim(claim_no: DocNo, rt: RuntimeDep, actor: Accountant,
                       form: Annotated[SubmitForm, Form()]) -> Response:
    """Send an open claim to its provider (SPEC E5)."""
    async with rt.db.transaction() as session:
        await claims.submit(rt.context, session, actor=actor, claim_no=claim_no,
                            provider_ref=form.provider_ref)
    return RedirectResponse(BACK, status_code=303)


@router.post("/cover/claims/{claim_no}/settle", response_class=HTMLResponse)
async def settle_claim(claim_no: DocNo, rt: RuntimeDep, actor: Accountant,
                       form: Annotated[SettleForm, Form()]) -> Response:
    """Record the provider's answer to a submitted claim (SPEC E5)."""
    async with rt.db.transaction() as session:
        await claims.settle(rt.context, session, actor=actor, claim_no=claim_no,
                            paid=form.outcome == "paid", note=form.note)
    return RedirectResponse(BACK, status_code=303)


@router.post("/cover/replacements/{request_no}", response_class=HTMLResponse)
async def decide_replacement(request_no: DocNo, rt: RuntimeDep, actor: ReplacementApprover,
                             form: Annotated[DecisionForm, Form()]) -> Response:
    """The branch manager approves or refuses a replacement (SPEC E4)."""
    async with rt.db.transaction() as session:
        await replacements.decide(rt.context, session, actor=actor, request_no=request_no,
                                  approve=form.decision == "approve", note=form.note)
    return RedirectResponse(BACK, status_code=303)


@router.post("/cover/return-slips/{slip_no}/release", response_class=HTMLResponse)
async def release_slip(slip_no: DocNo, rt: RuntimeDep, actor: Accountant,
                       form: Annotated[ReleaseForm, Form()]) -> Response:
    """Release a held return slip with the reviewed quantity (SPEC C13.2(1))."""
    async with rt.db.transaction() as session:
        await bookings.release(rt.context, session, actor=actor, slip_no=slip_no,
                               book_qty=form.book_qty, note=form.note,
                               book_amount=form.book_amount)
    return RedirectResponse(BACK, status_code=303)


@router.post("/cover/return-slips/{slip_no}/approve", response_class=HTMLResponse)
async def approve_slip(slip_no: DocNo, rt: RuntimeDep, actor: ReplacementApprover) -> Response:
    """The branch manager approves a retail or service return slip (SPEC C13.1(2)b)."""
    async with rt.db.transaction() as session:
        await bookings.approve_slip(rt.context, session, actor=actor, slip_no=slip_no)
    return RedirectResponse(BACK, status_code=303)


@router.get("/cover/voucher", response_class=HTMLResponse)
async def find_voucher(actor: Accounting, voucher_no: QueryCode = None) -> Response:
    """The lookup form's target: on to the voucher's cover page."""
    return RedirectResponse(f"/vouchers/{voucher_no}/page" if voucher_no else BACK,
                            status_code=303)


@router.get("/vouchers/{voucher_no}/page", response_class=HTMLResponse)
async def voucher_page(voucher_no: DocNo, request: Request, rt: RuntimeDep,
                       actor: Accounting) -> HTMLResponse:
    """A voucher as billing knows it and how its cover was judged (SPEC E3)."""
    async with rt.db.reading() as session:
        voucher = await vouchers.get_voucher(session, voucher_no, actor=actor)
        check = await session.get(CoverCheck, voucher_no)
    return request.app.state.console.render(
        request, "billing_voucher.html", actor=actor, voucher=voucher, check=check)
