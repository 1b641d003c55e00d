"""The technician's phone pages (issue 12 item 6): today's vouchers, arrive, complete with
labour, parts and the customer's drawn signature, carry in, repair-card work, the return,
asking the supervisor for help (S14b) and the daily report with D work (S15).

Every action calls the same use case as its JSON route, inside one unit of work; a plain
form post answers 303 back to the page, so the pages work without JavaScript. Nothing
here decides a rule: a form is parsed into the JSON route's own schema, then handed on.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from shared.auth import Actor, roles
from shared.fields import PastDate
from shared.rules import RuleBroken
from shared.runtime import Runtime, RuntimeDep

from ..schemas import (
    CarryInIn,
    CompleteIn,
    HelpIn,
    RepairCardNo,
    ReturnIn,
    VoucherNo,
    WorkIn,
    WorkLogIn,
)
from ..service import board, reports, visits, workshop
from ..service.common import load_card, require_assigned
from . import router

Technician = Annotated[Actor, Depends(roles("technician"))]
Model = TypeVar("Model", bound=BaseModel)
MAX_PART_ROWS = 30


# --- forms into the JSON routes' schemas ------------------------------------------------

def _validated(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` as ``model``; a refusal names the first field that is wrong (422)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or None
        raise RuleBroken(str(error["msg"]), field=field) from None


def _whole(value: str) -> int | str:
    """A whole number typed in a form (the schema then checks its range)."""
    text = value.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else text


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _parts(form: FormData) -> list[dict[str, Any]]:
    """The part rows of a form; a row left wholly empty is no part."""
    columns = [[v if isinstance(v, str) else "" for v in form.getlist(name)]
               for name in ("part_no", "quantity", "unit_price")]
    width = max((len(c) for c in columns), default=0)
    rows = []
    for index in range(width):
        part_no, quantity, price = (c[index].strip() if index < len(c) else "" for c in columns)
        if part_no or quantity or price:
            rows.append({"part_no": part_no, "quantity": _whole(quantity),
                         "unit_price": price})
    return rows


def _signature(form: FormData) -> str | None:
    return _text(form, "signature").strip() or None


def _findings(form: FormData) -> dict[str, Any]:
    """SPEC E3/E4: the failed part, the cause and whether the unit can be repaired; an
    option left at "—" is no answer (the schema and the rule then judge it)."""
    return {"component": _text(form, "component").strip() or None,
            "cause": _text(form, "cause").strip() or None,
            "repairable": not _text(form, "unrepairable")}


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _today(rt: Runtime, actor: Actor) -> date:
    return rt.context.branch(actor.branch or "").local_date(rt.clock.now())


def _rows(requested: int | None, default: int = 2) -> int:
    return max(1, min(requested or default, MAX_PART_ROWS))


def _render(request: Request, template: str, actor: Actor, **context: Any) -> HTMLResponse:
    return request.app.state.console.render(request, template, actor=actor, **context)


# --- today's vouchers -------------------------------------------------------------------

@router.get("/my", response_class=HTMLResponse)
async def my_vouchers(request: Request, rt: RuntimeDep, actor: Technician) -> HTMLResponse:
    """The technician's vouchers: open ones given to them, and those finished today."""
    today = _today(rt, actor)
    branch = rt.context.branch(actor.branch or "")
    midnight = datetime.combine(today, time(0), tzinfo=branch.zone)
    async with rt.db.reading() as session:
        found = await board.board(rt.context, session, actor=actor, branch=branch.code,
                                  technician_id=actor.user_id)
        done = await board.completed_since(rt.context, session, actor=actor,
                                           branch=branch.code, technician_id=actor.user_id,
                                           since=midnight)
    priority = {i.voucher_no for i in found if i.priority}  # S18, as the board reads it
    open_ = [i.voucher for i in found]
    return _render(request, "technician_my.html", actor, open_vouchers=open_,
                   done_vouchers=done, today=today, priority=priority)


@router.get("/my/part-row", response_class=HTMLResponse)
async def part_row(request: Request, actor: Technician,
                   index: Annotated[int, Query(ge=0, le=MAX_PART_ROWS)] = 0) -> HTMLResponse:
    """One more empty part row (htmx), and the add-part link counting on from it."""
    return _render(request, "technician_part_row.html", actor, index=index,
                   last=index + 1 >= MAX_PART_ROWS)


# --- a voucher: arrive, complete, carry in ----------------------------------------------

@router.get("/my/vouchers/{voucher_no}", response_class=HTMLResponse)
async def voucher_page(request: Request, voucher_no: VoucherNo, rt: RuntimeDep,
                       actor: Technician,
                       rows: Annotated[int | None, Query(ge=1, le=MAX_PART_ROWS)] = None,
                       ) -> HTMLResponse:
    """One of the technician's vouchers, with the form its state calls for."""
    async with rt.db.reading() as session:
        found = await board.history(rt.context, session, actor=actor, voucher_no=voucher_no)
    require_assigned(actor, found.voucher)
    return _render(request, "technician_voucher.html", actor, h=found, v=found.voucher,
                   rows=_rows(rows), today=_today(rt, actor))


@router.post("/my/vouchers/{voucher_no}/arrive")
async def arrive(voucher_no: VoucherNo, rt: RuntimeDep, actor: Technician) -> Response:
    """Record arrival at the customer now (S19)."""
    async with rt.db.transaction() as session:
        await visits.arrive(rt.context, session, actor=actor, voucher_no=voucher_no, at=None)
    return _back(f"/my/vouchers/{voucher_no}")


@router.post("/my/vouchers/{voucher_no}/complete")
async def complete(request: Request, voucher_no: VoucherNo, rt: RuntimeDep,
                   actor: Technician) -> Response:
    """Fixed on site: labour, parts and the customer's drawn signature (S9, S10)."""
    form = await request.form()
    data = _validated(CompleteIn, {
        "labour_minutes": _whole(_text(form, "labour_minutes")),
        "parts": _parts(form), "signed_by": _text(form, "signed_by"),
        "signature_image": _signature(form), **_findings(form),
    })
    async with rt.db.transaction() as session:
        await visits.complete(rt.context, session, actor=actor, voucher_no=voucher_no,
                              data=data)
    return _back(f"/my/vouchers/{voucher_no}")


@router.post("/my/vouchers/{voucher_no}/carry-in")
async def carry_in(request: Request, voucher_no: VoucherNo, rt: RuntimeDep,
                   actor: Technician) -> Response:
    """Take the product back with a pick-up receipt and a promised date (S11)."""
    form = await request.form()
    data = _validated(CarryInIn, {"promised_on": _text(form, "promised_on"),
                                  "signed_by": _text(form, "signed_by"),
                                  "signature_image": _signature(form)})
    async with rt.db.transaction() as session:
        card = await workshop.carry_in(
            rt.context, session, actor=actor, voucher_no=voucher_no,
            promised_on=data.promised_on, signed_by=data.signed_by,
            signature_image=data.signature_image)
        card_no = card.repair_card_no
    return _back(f"/my/repair-cards/{card_no}")


# --- a repair card: work, return, ask for help ------------------------------------------

@router.get("/my/repair-cards/{repair_card_no}", response_class=HTMLResponse)
async def card_page(request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep,
                    actor: Technician,
                    rows: Annotated[int | None, Query(ge=1, le=MAX_PART_ROWS)] = None,
                    ) -> HTMLResponse:
    """A repair card of the technician's: its work, parts, receipt and next step."""
    async with rt.db.reading() as session:
        card = await load_card(session, repair_card_no)
        found = await board.history(rt.context, session, actor=actor,
                                    voucher_no=card.voucher_no)
    require_assigned(actor, found.voucher)
    parts = [p for p in found.parts if p.repair_card_no == repair_card_no]
    helped = [e for e in found.timeline if e.get("action") == "repair_card.help_requested"]
    return _render(request, "technician_card.html", actor, h=found, v=found.voucher,
                   card=card, parts=parts, help_requests=helped, rows=_rows(rows, 1),
                   now=rt.clock.now())


@router.post("/my/repair-cards/{repair_card_no}/work")
async def log_work(request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep,
                   actor: Technician) -> Response:
    """Put labour minutes and replaced parts on the repair card (S12)."""
    form = await request.form()
    data = _validated(WorkIn, {"minutes": _whole(_text(form, "minutes") or "0"),
                               "parts": _parts(form)})
    async with rt.db.transaction() as session:
        await workshop.log_repair(rt.context, session, actor=actor,
                                  repair_card_no=repair_card_no, minutes=data.minutes,
                                  parts=data.parts, at=None)
    return _back(f"/my/repair-cards/{repair_card_no}")


@router.post("/my/repair-cards/{repair_card_no}/return")
async def return_product(request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep,
                         actor: Technician) -> Response:
    """Give the inspected product back against its pick-up receipt (S12, S13)."""
    form = await request.form()
    data = _validated(ReturnIn, {"signed_by": _text(form, "signed_by"),
                                 "pickup_receipt_no": _text(form, "pickup_receipt_no"),
                                 **_findings(form)})
    async with rt.db.transaction() as session:
        await workshop.return_product(rt.context, session, actor=actor,
                                      repair_card_no=repair_card_no, signed_by=data.signed_by,
                                      pickup_receipt_no=data.pickup_receipt_no,
                                      component=data.component, cause=data.cause,
                                      repairable=data.repairable)
    return _back(f"/my/repair-cards/{repair_card_no}")


@router.post("/my/repair-cards/{repair_card_no}/help")
async def ask_for_help(request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep,
                       actor: Technician) -> Response:
    """Tell the supervisor the repair will miss its promised date (S14b)."""
    form = await request.form()
    data = _validated(HelpIn, {"reason": _text(form, "reason")})
    async with rt.db.transaction() as session:
        await workshop.ask_for_help(rt.context, session, actor=actor,
                                    repair_card_no=repair_card_no, reason=data.reason)
    return _back(f"/my/repair-cards/{repair_card_no}")


# --- my daily report --------------------------------------------------------------------

@router.get("/my/report", response_class=HTMLResponse)
async def my_report(request: Request, rt: RuntimeDep, actor: Technician,
                    day: Annotated[PastDate | None, Query(alias="date")] = None
                    ) -> HTMLResponse:
    """The technician's day by category, with D work logged by hand (S15)."""
    today = _today(rt, actor)
    shown = day or today
    async with rt.db.reading() as session:
        entries, totals = await reports.technician_daily(
            rt.context, session, actor=actor, technician_id=actor.user_id, day=shown)
        arrivals = await reports.arrivals_of_day(rt.context, session, branch=actor.branch or "",
                                                 day=shown, technician_id=actor.user_id)
    return _render(request, "technician_report.html", actor, day=shown, today=today,
                   entries=entries, totals=totals, total=sum(totals.values()),
                   arrivals=arrivals)


@router.post("/my/report/work-log")
async def add_work_log(request: Request, rt: RuntimeDep, actor: Technician) -> Response:
    """Log internal admin (D) time: inspection, parts, tools, training (S6, S15)."""
    form = await request.form()
    data = _validated(WorkLogIn, {"date": _text(form, "date"),
                                  "category": _text(form, "category") or "D",
                                  "minutes": _whole(_text(form, "minutes")),
                                  "note": _text(form, "note")})
    async with rt.db.transaction() as session:
        await reports.add_work_log(rt.context, session, actor=actor,
                                   technician_id=actor.user_id, day=data.day,
                                   category=data.category, minutes=data.minutes,
                                   note_text=data.note)
    return _back(f"/my/report?date={data.day.isoformat()}")

