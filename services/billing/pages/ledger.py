"""The journal and the collection rate in the browser (SPEC C13.2, C13.2(3), §8).

``/journal/page`` lists the entries of a case, an invoice, or the latest ones, each with
its lines; a booked return or allowance is corrected by its reversing entry with a reason,
never edited. ``/collection`` records a salesperson's receivables and shows the collection
rate month by month with the complaint-delayed parts left out (C13.2(3)), as a chart. The
same use cases and roles as ``api/ledger.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator

from shared.fields import PathId, ShortText, Text
from shared.money import MoneyIn
from shared.runtime import RuntimeDep
from shared.web.charts import line_chart

from ..api.params import CODE, QueryCode
from ..api.roles import Accountant, LedgerReader, RateReader
from ..service import bookings
from ..service import ledger as svc
from ..service.payroll import current_month
from . import router

JOURNAL = "/journal/page"
COLLECTION = "/collection"
REVERSIBLE = ("return_slip", "allowance", "pos_instruction")
MONTHS_SHOWN = 12


class ReverseForm(BaseModel):
    reason: Text = Field(min_length=3, max_length=250)


class ReceivableForm(BaseModel):
    salesperson: ShortText = Field(max_length=64)
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    part_no: ShortText = Field(max_length=40)
    order_no: ShortText | None = Field(default=None, max_length=40)
    customer: ShortText | None = None
    amount_due: MoneyIn
    amount_collected: MoneyIn

    @field_validator("order_no", "customer", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


@router.get(JOURNAL, response_class=HTMLResponse)
async def journal_page(request: Request, rt: RuntimeDep, actor: LedgerReader,
                       case_no: QueryCode = None, invoice_no: QueryCode = None) -> HTMLResponse:
    """A case's or an invoice's entries, else the latest returns and allowances (C13.2)."""
    async with rt.db.reading() as session:
        if case_no or invoice_no:
            entries = await svc.journal(session, case_no=case_no, invoice_no=invoice_no,
                                        actor=actor)
        else:
            entries = await svc.recent_journal(session)
    reversed_ids = {e["reverses_entry_id"] for e in entries if e["reverses_entry_id"]}
    return request.app.state.console.render(
        request, "billing_journal.html", actor=actor, entries=entries, case_no=case_no or "",
        invoice_no=invoice_no or "", reversed_ids=reversed_ids, reversible=REVERSIBLE,
        may_reverse=actor.role == "accountant")


@router.post(f"{JOURNAL}/{{entry_id}}/reverse", response_class=HTMLResponse)
async def reverse_entry(entry_id: PathId, rt: RuntimeDep, actor: Accountant,
                        form: Annotated[ReverseForm, Form()]) -> Response:
    """Reverse a booked return or allowance with a reason; never an edit (SPEC §8)."""
    async with rt.db.transaction() as session:
        reversal = await bookings.reverse_booking(rt.context, session, actor=actor,
                                                  entry_id=entry_id, reason=form.reason)
        case_no = reversal.case_no
    target = f"{JOURNAL}?case_no={quote(case_no)}" if case_no else JOURNAL
    return RedirectResponse(target, status_code=303)


@router.get(COLLECTION, response_class=HTMLResponse)
async def collection_page(
    request: Request, rt: RuntimeDep, actor: RateReader,
    salesperson: Annotated[str | None, Query(max_length=64, pattern=CODE)] = None,
) -> HTMLResponse:
    """Receivables and a salesperson's collection rate by month, as a chart (C13.2(3))."""
    gettext = request.app.state.console.gettext(request.app.state.console.language(
        request, actor))
    rates: list[dict[str, Any]] = []
    chart = None
    async with rt.db.reading() as session:
        found = await svc.receivables(session, salesperson=salesperson)
        if salesperson:
            months = (await svc.receivable_months(session, salesperson=salesperson))[
                -MONTHS_SHOWN:]
            rates = [await svc.collection_rate(session, salesperson=salesperson, month=m)
                     for m in months]
    if rates:
        # [choice] a month without a rate (nothing due once delays are left out) plots as 0.
        chart = line_chart(
            gettext("Collection rate by month"), [r["month"] for r in rates],
            {salesperson or "": [float((r["rate"] or Decimal(0)) * 100) for r in rates]},
            y_title="%")
    return request.app.state.console.render(
        request, "billing_collection.html", actor=actor, receivables=found,
        salesperson=salesperson or "", rates=rates, chart=chart,
        month=current_month(rt.context), may_record=actor.role == "accountant")


@router.post(f"{COLLECTION}/receivables", response_class=HTMLResponse)
async def add_receivable(rt: RuntimeDep, actor: Accountant,
                         form: Annotated[ReceivableForm, Form()]) -> Response:
    """Record a salesperson's receivable for a month and part number (SPEC C13.2(3))."""
    async with rt.db.transaction() as session:
        await svc.add_receivable(rt.context, session, actor=actor, **form.model_dump())
    return RedirectResponse(f"{COLLECTION}?salesperson={quote(form.salesperson)}", status_code=303)
