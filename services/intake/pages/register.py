"""The day's call register (叫修登记簿, SPEC S8) with its status, and the clerk's cancel
with a reason and filing (S9), as a page and as the printable PDF."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from shared.auth import Actor
from shared.fields import Code, PastDate, PathId
from shared.rules import RuleBroken, WrongState
from shared.runtime import RuntimeDep
from shared.web import pdf

from ..models import Call
from ..schemas import CancelIn
from ..service import calls as service
from . import router
from .common import (
    Clerk,
    RegisterReader,
    back,
    branch_of,
    is_htmx,
    may_cancel,
    may_file,
    posted,
    render,
    today,
)

Day = Annotated[PastDate | None, Query(alias="date")]
Branch = Annotated[Code | None, Query()]


def _row(call: Call, actor: Actor) -> dict[str, object]:
    clerk = actor.role == "clerk"
    return {"call": call, "may_cancel": clerk and may_cancel(call),
            "may_file": clerk and may_file(call)}


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request, rt: RuntimeDep, actor: RegisterReader,
                        day: Day = None, branch: Branch = None) -> HTMLResponse:
    """Every call of the day in register order, with status, voucher and the clerk's
    cancel and file buttons where the rules allow them."""
    where = branch_of(rt, actor, branch)
    day = day or today(rt, where)
    async with rt.db.reading() as session:
        calls = await service.register_of_day(rt.context, session, actor=actor, day=day,
                                              branch=where.code)
    return render(request, "intake_register.html", actor, day=day, where=where,
                  rows=[_row(c, actor) for c in calls], today=today(rt, where))


async def _after(request: Request, rt: RuntimeDep, actor: Actor, call_id: int,
                 error: str | None = None, status_code: int = 200) -> Response:
    async with rt.db.reading() as session:
        call = await service.get_call(session, actor=actor, call_id=call_id)
    if not is_htmx(request):
        return back(f"/register?date={call.register_date.isoformat()}")
    response = render(request, "_intake_register_row.html", actor, row=_row(call, actor),
                      error=error)
    response.status_code = status_code
    return response


@router.post("/register/calls/{call_id}/cancel", response_class=HTMLResponse)
async def cancel_call(request: Request, call_id: PathId, rt: RuntimeDep,
                      actor: Clerk) -> Response:
    """Withdraw the call with the reason typed in its row (the use case of
    ``POST /calls/{id}/cancel``); a refusal is shown in the row (htmx) or as a page."""
    async with rt.db.reading() as session:  # the call is the caller's, before anything
        await service.get_call(session, actor=actor, call_id=call_id)
    try:
        body = CancelIn.model_validate({"reason": (await posted(request)).get("reason", "")})
    except ValidationError:
        body = None
    try:
        if body is None or not body.reason.strip():
            raise RuleBroken("a cancellation needs a reason", rule="S9", field="reason")
        async with rt.db.transaction() as session:
            await service.cancel_call(rt.context, session, actor=actor, call_id=call_id,
                                      reason=body.reason.strip())
    except (RuleBroken, WrongState) as exc:
        if not is_htmx(request):
            raise
        return await _after(request, rt, actor, call_id, str(exc.message), exc.status_code)
    return await _after(request, rt, actor, call_id)


@router.post("/register/calls/{call_id}/file", response_class=HTMLResponse)
async def file_call(request: Request, call_id: PathId, rt: RuntimeDep,
                    actor: Clerk) -> Response:
    """S9: file the completed call's voucher (the use case of ``POST /calls/{id}/file``)."""
    try:
        async with rt.db.transaction() as session:
            await service.file_call(rt.context, session, actor=actor, call_id=call_id)
    except (RuleBroken, WrongState) as exc:
        if not is_htmx(request):
            raise
        return await _after(request, rt, actor, call_id, str(exc.message), exc.status_code)
    return await _after(request, rt, actor, call_id)


@router.get("/register/pdf")
async def register_pdf(request: Request, rt: RuntimeDep, actor: RegisterReader,
                       day: Day = None, branch: Branch = None) -> Response:
    """The day's call register (叫修登记簿) as a printable PDF with Chinese labels."""
    where = branch_of(rt, actor, branch)
    day = day or today(rt, where)
    async with rt.db.reading() as session:
        calls = await service.register_of_day(rt.context, session, actor=actor, day=day,
                                              branch=where.code)
    console = request.app.state.console
    lang = console.language(request, actor)
    _ = console.gettext(lang)
    statuses = {"registered": _("registered"), "dispatched": _("dispatched"),
                "in_service": _("in service"), "completed": _("completed"),
                "cancelled": _("cancelled")}
    categories = {"A": _("paid"), "B": _("contract"), "C": _("free warranty")}
    rows = []
    for c in calls:
        status = statuses.get(c.status, c.status)
        if c.filed_at is not None:
            status += " / " + _("filed")
        if c.cancel_reason:
            status += f" ({c.cancel_reason})"
        received = _local(c.received_at, where.zone)
        if c.backdated:  # SPEC CT1: a late entry shows as such on paper too
            received += " / " + _("back-dated") + (
                f" ({_local(c.recorded_at, where.zone)}, {c.backdate_approved_by})")
        due = _local(c.arrival_due_at, where.zone)
        if c.arrival_due_provisional:  # SPEC S19: counted on an unofficial calendar year
            due += " / " + _("provisional")
        category = f"{c.category} {categories.get(c.category, '')}"
        if c.category_reason:  # SPEC E3
            category += f" ({c.category_reason})"
        rows.append([c.voucher_no or "", received, f"{c.customer_name} {c.phone}",
                     f"{c.address} / {c.district}", c.model, c.symptom, category, due,
                     status])
    form = pdf.PaperForm(
        title=_("Call register"), number=f"{where.code} {day.isoformat()}",
        sections=[
            pdf.Section(fields=[(_("Branch"), f"{where.code} {where.name}"),
                                (_("Date"), day.isoformat()),
                                (_("Calls"), str(len(calls)))]),
            pdf.Section(header=[_("Voucher"), _("Received"), _("Customer"), _("Address"),
                                _("Model"), _("Symptom"), _("Category"),
                                _("Arrival deadline"), _("Status")], rows=rows),
        ],
        signatures=[pdf.Signature(_("Clerk"), actor.user_id)],
        footer=_("Times are the branch's local time."),
    )
    content = pdf.render(form, lang)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="register-{where.code}-{day}.pdf"'})


def _local(at: datetime | None, zone: tzinfo) -> str:
    """An instant on the paper form: the branch's wall clock."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""

