"""Registering a call in the browser (SPEC S8): the answer shows at once the category
(S6) and the arrival deadline in the branch's time (S19), and why."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from shared.auth import Actor
from shared.fields import INT_MAX, PathId
from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..domain import SlaClass
from ..schemas import CallIn
from ..service import calls as service
from ..service import customers
from . import forms, router
from .common import (
    CALL_TAKERS,
    CallTaker,
    RegisterReader,
    back,
    branch_of,
    posted,
    read_form,
    render,
)

CHANNELS = ("phone", "document", "pos", "web")


def _in_branch_time(text: str, zone: tzinfo) -> str:
    """A ``datetime-local`` value is the branch's wall clock: give it the branch's zone."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return (at.replace(tzinfo=zone) if at.tzinfo is None else at).isoformat()


async def _form(request: Request, rt: RuntimeDep, actor: Actor, customer_id: int, *,
                values: dict[str, str], errors: dict[str, str],
                status_code: int = 200) -> HTMLResponse:
    async with rt.db.reading() as session:
        found = await customers.customer_file(session, actor=actor, customer_id=customer_id)
    response = render(request, "intake_call_new.html", actor, file=found,
                      customer=found.customer, values=values, errors=errors,
                      channels=CHANNELS, window_hours=_desk_hours(rt, found.customer.branch))
    response.status_code = status_code
    return response


@forms.get("/calls/new", response_class=HTMLResponse)
async def new_call_form(
    request: Request, rt: RuntimeDep, actor: CallTaker,
    customer_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
) -> Response:
    """The call form for one customer's product (without a customer: find one first)."""
    if customer_id is None:
        return back("/")
    return await _form(request, rt, actor, customer_id, values={"channel": "phone"},
                       errors={})


@forms.post("/calls/new", response_class=HTMLResponse)
async def register_call(request: Request, rt: RuntimeDep, actor: CallTaker) -> Response:
    """Register the call through the same use case as ``POST /calls``; then its answer."""
    data = await posted(request)
    data["received_at"] = _in_branch_time(data.get("received_at", ""),
                                          branch_of(rt, actor, None).zone)
    call_in, errors = read_form(CallIn, data, ints=("customer_id", "product_id"))
    customer_id = data.get("customer_id", "")
    if call_in is not None:
        try:
            async with rt.db.atomic() as unit:
                call = await service.register_call(rt.context, unit, actor=actor,
                                                   data=call_in)
                call_id = call.id
        except RuleBroken as exc:
            errors = {exc.field or "form": exc.message}
    if errors:
        if not (customer_id.isdigit() and 0 < int(customer_id) <= INT_MAX):
            raise RuleBroken("choose the customer first", field="customer_id")
        return await _form(request, rt, actor, int(customer_id), values=data, errors=errors,
                           status_code=422)
    return back(f"/calls/{call_id}/page?new=1")


@router.get("/calls/{call_id}/page", response_class=HTMLResponse)
async def call_page(request: Request, call_id: PathId, rt: RuntimeDep,
                    actor: RegisterReader) -> HTMLResponse:
    """One call: voucher, category and deadline, each with its reason, and its status."""
    async with rt.db.reading() as session:
        why = await service.call_reasons(session, actor=actor, call_id=call_id)
    where = rt.context.branch(why.call.branch)
    return render(request, "intake_call.html", actor, why=why, call=why.call, where=where,
                  suburban=why.call.sla_class == SlaClass.SUBURBAN.value,
                  just_registered=request.query_params.get("new") == "1",
                  may_call=actor.role in CALL_TAKERS)


def _desk_hours(rt: RuntimeDep, branch: str) -> str:
    """SPEC CT1: the branch's desk window in hours, as the form tells it."""
    return f"{rt.context.branch(branch).claim_windows.desk / timedelta(hours=1):g}"
