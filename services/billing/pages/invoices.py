"""The accountant's day: invoices and on-site collections, one invoice, record a payment,
mark it mailed (SPEC S10, S13). The same use cases as ``api/invoices.py``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from shared.auth import Actor
from shared.fields import PastDate, Text
from shared.money import MoneyIn
from shared.runtime import RuntimeDep

from ..api.params import DocNo
from ..api.roles import Accountant, InvoiceReader, PaymentRecorder
from ..service import invoices as svc
from ..service import payments
from . import router


class PaymentForm(BaseModel):
    """The payment form: what ``PaymentIn`` takes; ``paid_at`` in the branch's zone."""

    amount: MoneyIn
    method: Literal["cash", "transfer", "card", "cheque"] = "cash"
    paid_at: datetime | None = None
    backdate_reason: Text | None = Field(default=None, max_length=500)  # SPEC CT1

    @field_validator("paid_at", "backdate_reason", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


def today(rt: RuntimeDep, actor: Actor) -> date:
    """Today in the caller's branch (a branchless caller: the first branch's)."""
    code = actor.branch or next(iter(rt.branches))
    return rt.context.branch(code).local_date(rt.clock.now())


def is_htmx(request: Request) -> bool:
    """An htmx swap (not a history restore, which wants the whole page)."""
    return bool(request.headers.get("hx-request")) and not request.headers.get(
        "hx-history-restore-request")


@router.get("/", response_class=HTMLResponse)
async def day(
    request: Request, rt: RuntimeDep, actor: InvoiceReader,
    on: Annotated[PastDate | None, Query(alias="date")] = None,
) -> HTMLResponse:
    """The day's invoices of the caller's branch and what was collected on site (S10, S13)."""
    on = on or today(rt, actor)
    async with rt.db.reading() as session:
        found = await svc.find_invoices(session, actor=actor, voucher_no=None, ref=None,
                                        branch=None, issued_on=on)
        invoices = [await svc.describe(session, i) for i in found]
    on_site = [i for i in invoices if i["collection"] == "on_site"]
    collected = [(i, p) for i in on_site for p in i["payments"] if p.collected_by]
    template = "billing_day_table.html" if is_htmx(request) else "billing_day.html"
    return request.app.state.console.render(
        request, template, actor=actor, day=on, invoices=invoices, on_site=on_site,
        collected=collected, collected_total=sum((p.amount for _i, p in collected), Decimal(0)),
    )


@router.get("/invoices/{invoice_no}/page", response_class=HTMLResponse)
async def invoice_page(
    invoice_no: DocNo, request: Request, rt: RuntimeDep, actor: InvoiceReader
) -> HTMLResponse:
    """One invoice with its lines and payments; the accountant records and mails here."""
    async with rt.db.reading() as session:
        invoice = await svc.describe(
            session, await svc.get_invoice(session, invoice_no, actor=actor))
    return request.app.state.console.render(
        request, "billing_invoice.html", actor=actor, invoice=invoice,
        may_book=actor.role in ("accountant", "branch_manager"),
    )


@router.post("/invoices/{invoice_no}/page/payments", response_class=HTMLResponse)
async def record_payment(
    invoice_no: DocNo, request: Request, rt: RuntimeDep, actor: PaymentRecorder,
    form: Annotated[PaymentForm, Form()],
) -> Response:
    """Record a payment from the page form (SPEC S10), then back to the invoice."""
    paid_at = form.paid_at
    if paid_at is not None and paid_at.tzinfo is None:
        paid_at = paid_at.replace(tzinfo=rt.context.branch(actor.branch).zone)
    async with rt.db.transaction() as session:
        _invoice, payment, _balance = await payments.pay(
            rt.context, session, actor=actor, invoice_no=invoice_no, amount=form.amount,
            method=form.method, collected_by=None, paid_at=paid_at,
            backdate_reason=form.backdate_reason,
        )
        receipt_no = payment.receipt_no
    return await _done(request, rt, actor, invoice_no, "payment", receipt_no)


@router.post("/invoices/{invoice_no}/page/mailed", response_class=HTMLResponse)
async def mark_mailed(
    invoice_no: DocNo, request: Request, rt: RuntimeDep, actor: Accountant
) -> Response:
    """Record from the page that the invoice was mailed to the customer (SPEC S10)."""
    async with rt.db.transaction() as session:
        await svc.mark_mailed(rt.context, session, actor=actor, invoice_no=invoice_no, at=None)
    return await _done(request, rt, actor, invoice_no, "mailed", None)


class VoidForm(BaseModel):
    reason: Text = Field(min_length=3, max_length=500)


@router.post("/invoices/{invoice_no}/page/void", response_class=HTMLResponse)
async def void_invoice(
    invoice_no: DocNo, rt: RuntimeDep, actor: Accountant, form: Annotated[VoidForm, Form()]
) -> Response:
    """Void an invoice from its page with the reason, never an edit (SPEC S10, §8)."""
    async with rt.db.transaction() as session:
        await payments.void(rt.context, session, actor=actor, invoice_no=invoice_no,
                            reason=form.reason)
    return RedirectResponse(f"/invoices/{invoice_no}/page", status_code=303)


async def _done(request: Request, rt: RuntimeDep, actor: Actor, invoice_no: str, what: str,
                receipt_no: str | None) -> Response:
    """htmx: the message and the refreshed invoice (out of band); else 303 to the page."""
    if not is_htmx(request):
        return RedirectResponse(f"/invoices/{invoice_no}/page", status_code=303)
    async with rt.db.reading() as session:
        invoice = await svc.describe(session, await svc.get_invoice(session, invoice_no))
    return request.app.state.console.render(
        request, "billing_invoice_done.html", actor=actor, invoice=invoice, what=what,
        receipt_no=receipt_no, may_book=True, oob=True,
    )
