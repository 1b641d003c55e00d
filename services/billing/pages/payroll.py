"""The accountant's payroll page: the staff register and bonuses, decisions held for the
register, and the month close (SPEC P3, P5–P7). Thin: every change is a use case."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from shared.fields import Code, Month, ShortText
from shared.money import MoneyIn
from shared.runtime import RuntimeDep

from ..api.params import PathCode
from ..api.roles import Accountant, Accounting
from ..api.staff import StaffReader
from ..service import deductions, schedule, staff
from ..service.payroll import closed_through, current_month
from . import router

PAGE = "/payroll"


class StaffForm(BaseModel):
    person_id: Code
    name: ShortText
    unit: Code
    section: Code | None = None
    base_points: Decimal
    effective_month: Month


class BonusForm(BaseModel):
    person_id: Code
    month: Month
    amount: MoneyIn


@router.get(PAGE, response_class=HTMLResponse)
async def payroll(request: Request, rt: RuntimeDep, actor: Accounting,
                  month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                  ) -> HTMLResponse:
    """The register, the month's deductions per person with what carries over, held
    decisions and the close button (SPEC P5–P7)."""
    this_month = current_month(rt.context)
    shown = month or this_month
    async with rt.db.reading() as session:
        people = await staff.staff_list(session)
        held = await deductions.decisions(session, status="held")
        last = await closed_through(session)
        closed = await deductions.months(session)
        decided = await deductions.decisions(session, status=None)
        # SPEC P6/P7: everyone in the register or owing a charge, with the month's
        # deduction (capped by the bonus) and what carries in and forward.
        ids = sorted({p.person_id for p in people} | set(await schedule.charged_people(session)))
        owed = [await schedule.deductions_for(session, person_id=i, month=shown) for i in ids]
    owed = [d for d in owed if d["penalties"] or d["bonus"] is not None]
    names = {p.person_id: p.name for p in people}
    return request.app.state.console.render(
        request, "billing_payroll.html", actor=actor, people=people, held=held,
        closed_through=last, month=this_month, shown=shown, owed=owed, names=names,
        closed_months=closed, decided=decided,
        totals={k: sum((d[k] for d in owed), Decimal(0))
                for k in ("carried_in", "amount", "carried_forward")})


@router.post(f"{PAGE}/staff", response_class=HTMLResponse)
async def put_staff(rt: RuntimeDep, actor: Accounting,
                    form: Annotated[StaffForm, Form()]) -> Response:
    """Record a person's unit and base points from a month on (SPEC P5, P6)."""
    async with rt.db.transaction() as session:
        await staff.put_staff(rt.context, session, actor=actor, person_id=form.person_id,
                              name=form.name, unit=form.unit, section=form.section or None,
                              base_points=form.base_points,
                              effective_month=form.effective_month)
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/bonus", response_class=HTMLResponse)
async def put_bonus(rt: RuntimeDep, actor: Accounting,
                    form: Annotated[BonusForm, Form()]) -> Response:
    """Record a month's efficiency bonus (SPEC P3, P7)."""
    async with rt.db.transaction() as session:
        await staff.put_bonus(rt.context, session, actor=actor, person_id=form.person_id,
                              month=form.month, amount=form.amount)
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/decisions/{{decision_id}}/price", response_class=HTMLResponse)
async def price_again(decision_id: int, rt: RuntimeDep, actor: Accounting) -> Response:
    """Price a held decision once the register can (SPEC P3, P6)."""
    async with rt.db.transaction() as session:
        await deductions.price_again(rt.context, session, actor=actor,
                                     decision_id=decision_id)
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/close", response_class=HTMLResponse)
async def close_month(rt: RuntimeDep, actor: Accountant,
                      month: Annotated[str, Form(pattern=r"^\d{4}-\d{2}$")]) -> Response:
    """Close a payroll month: its deductions become final (SPEC P7)."""
    async with rt.db.transaction() as session:
        await deductions.close_month(rt.context, session, actor=actor, month=month)
    return RedirectResponse(PAGE, status_code=303)


@router.get(f"{PAGE}/people/{{person_id}}", response_class=HTMLResponse)
async def person_page(person_id: PathCode, request: Request, rt: RuntimeDep,
                      actor: StaffReader,
                      month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
                      ) -> HTMLResponse:
    """A person's register entry with its history, bonuses and the month's deduction
    (SPEC P5–P7)."""
    shown = month or current_month(rt.context)
    async with rt.db.reading() as session:
        found = await staff.person(session, person_id)
        owed = await schedule.deductions_for(session, person_id=person_id, month=shown)
    return request.app.state.console.render(
        request, "billing_person.html", actor=actor, member=found["member"],
        history=found["history"], bonuses=found["bonuses"],
        bonus_changes=found["bonus_changes"], owed=owed, shown=shown)
