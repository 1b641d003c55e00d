"""The supervisor's pages (issue 12 item 5): the board, updating by itself, assign and
reassign (S8, S18), escalations (S14), the repair cards to inspect (S12) and the
technicians' workload of a day (S15).

Authorised with the same ``roles(...)`` as the JSON routes and calling the same use
cases; a plain form posts and is redirected back (303), an htmx one gets a fragment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.auth import Actor
from shared.claimed import EARLIEST
from shared.fields import PastDate
from shared.rules import RuleBroken
from shared.runtime import Runtime, RuntimeDep

from ..api.board import BoardReader
from ..api.visits import Supervisor
from ..api.workshop import EscalationReader
from ..schemas import RepairCardNo, VoucherNo
from ..service import supervision, visits, workshop
from ..service.common import load_voucher
from . import router

Branch = Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_\-]+$")]
Day = Annotated[PastDate | None, Query(alias="date")]
TechnicianField = Annotated[str, Form(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_\-]+$")]
NoteField = Annotated[str, Form(max_length=2000)]
# A branch-local wall-clock time from a datetime-local input ("2026-03-16T15:30").
ArrivedField = Annotated[str, Form(min_length=16, max_length=19,
                                   pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")]


def branch_of(actor: Actor, branch: str | None) -> str:
    """The branch a page shows: the one asked for, else the caller's own."""
    chosen = branch or actor.branch
    if not chosen:
        raise RuleBroken("choose a branch", field="branch")
    return chosen


def _is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _utc(at: datetime) -> str:
    """An instant as ISO UTC, what console.js counts down to (``data-due``)."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _render(request: Request, template: str, actor: Actor, **context: object) -> HTMLResponse:
    return request.app.state.console.render(request, template, actor=actor, utc=_utc,
                                            **context)


# A screen of the board: a branch with thousands of open vouchers is read (and polled
# every few seconds) a page at a time, in SQL, like GET /board; the page links the next.
BOARD_PAGE = 200
After = Annotated[str | None, Query(min_length=1, max_length=48,
                                    pattern=r"^[A-Za-z0-9_.:\-]+$")]


async def _board(rt: Runtime, actor: Actor, branch: str,
                 after: str | None = None) -> dict[str, object]:
    async with rt.db.reading() as session:
        rows = await supervision.board_rows(rt.context, session, actor=actor, branch=branch,
                                            limit=BOARD_PAGE + 1, after=after)
    more = len(rows) > BOARD_PAGE
    rows = rows[:BOARD_PAGE]
    return {"rows": rows, "board_branch": branch, "board_after": after,
            "board_next": rows[-1].voucher.voucher_no if more else None,
            "technicians": supervision.technicians(rt.context, branch),
            "may_assign": actor.role == "supervisor"}


@router.get("/", response_class=HTMLResponse)
async def board_page(
    request: Request, rt: RuntimeDep, actor: BoardReader, branch: Branch = None,
    after: After = None,
) -> HTMLResponse:
    """The board: waiting and assigned vouchers, priority first, lateness visible (S8, S18)."""
    context = await _board(rt, actor, branch_of(actor, branch), after)
    return _render(request, "board.html", actor, **context)


@router.get("/board/rows", response_class=HTMLResponse)
async def board_rows(
    request: Request, rt: RuntimeDep, actor: BoardReader, branch: Branch = None,
    after: After = None,
) -> HTMLResponse:
    """The board's lines alone: what the open board polls every few seconds."""
    context = await _board(rt, actor, branch_of(actor, branch), after)
    return _render(request, "board_rows.html", actor, **context)


@router.post("/board/vouchers/{voucher_no}/assign")
async def assign_from_board(
    request: Request, voucher_no: VoucherNo, rt: RuntimeDep, actor: Supervisor,
    technician_id: TechnicianField,
) -> Response:
    """Assign or reassign a voucher to a technician of the branch (S8)."""
    async with rt.db.transaction() as session:
        voucher = await visits.assign(rt.context, session, actor=actor, voucher_no=voucher_no,
                                      technician_id=technician_id)
        done = (voucher.voucher_no, voucher.technician_id)
    if not _is_htmx(request):
        return RedirectResponse("/", status_code=303)
    response = _render(request, "board_message.html", actor, voucher_no=done[0],
                       technician_id=done[1])
    response.headers["HX-Trigger"] = "board-changed"
    return response


@router.post("/board/vouchers/{voucher_no}/arrive")
async def record_arrival_from_board(
    voucher_no: VoucherNo, rt: RuntimeDep, actor: Supervisor, at: ArrivedField,
    backdate_reason: NoteField = "",
) -> Response:
    """The supervisor records a technician's arrival on their behalf, with the reason when
    it is older than the branch's device window (S19, CT1)."""
    async with rt.db.transaction() as session:
        voucher = await load_voucher(session, voucher_no)
        zone = rt.context.branch(voucher.branch).zone
        try:
            local = datetime.fromisoformat(at)
        except ValueError:
            raise RuleBroken("is not a date and time", field="at", rule="CT1") from None
        if local.year < EARLIEST.year:  # before converting: year 1 would overflow
            raise RuleBroken(f"is before {EARLIEST.isoformat()}", field="at", rule="CT1")
        arrived = local.replace(tzinfo=zone)
        await visits.arrive(rt.context, session, actor=actor, voucher_no=voucher_no,
                            at=arrived, backdate_reason=backdate_reason.strip() or None)
    return RedirectResponse("/", status_code=303)


@router.get("/board/escalations", response_class=HTMLResponse)
async def escalations_page(
    request: Request, rt: RuntimeDep, actor: EscalationReader, branch: Branch = None
) -> HTMLResponse:
    """Carry-in repairs past their promised date, now (S14). (``GET /escalations`` is the
    JSON route of the same list, so the page lives under the board.)"""
    chosen = branch_of(actor, branch)
    async with rt.db.reading() as session:
        rows = await workshop.overdue_repairs(rt.context, session, actor=actor, branch=chosen,
                                              as_of=rt.clock.now())
    return _render(request, "escalations.html", actor, rows=rows, board_branch=chosen)


@router.get("/workshop", response_class=HTMLResponse)
async def workshop_page(
    request: Request, rt: RuntimeDep, actor: EscalationReader, branch: Branch = None
) -> HTMLResponse:
    """The repair cards in the workshop; the repaired ones wait for inspection (S12)."""
    chosen = branch_of(actor, branch)
    async with rt.db.reading() as session:
        cards = await supervision.workshop_cards(rt.context, session, actor=actor,
                                                 branch=chosen)
    return _render(request, "workshop.html", actor, cards=cards, board_branch=chosen,
                   may_inspect=actor.role == "supervisor")


@router.post("/workshop/repair-cards/{repair_card_no}/inspect")
async def inspect_from_workshop(
    request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep, actor: Supervisor,
    note: NoteField = "",
) -> Response:
    """The supervisor inspects the repaired product and signs the card (S12)."""
    async with rt.db.transaction() as session:
        await workshop.inspect(rt.context, session, actor=actor, repair_card_no=repair_card_no,
                               remark=note.strip() or None)
    if not _is_htmx(request):
        return RedirectResponse("/workshop", status_code=303)
    return await workshop_page(request, rt, actor)


@router.get("/workload", response_class=HTMLResponse)
async def workload_page(
    request: Request, rt: RuntimeDep, actor: EscalationReader, branch: Branch = None,
    day: Day = None,
) -> HTMLResponse:
    """Each technician's work of the day: minutes by category and vouchers (S15)."""
    chosen = branch_of(actor, branch)
    shown: date = day or supervision.today(rt.context, chosen)
    async with rt.db.reading() as session:
        rows = await supervision.workload(rt.context, session, actor=actor, branch=chosen,
                                          day=shown)
    return _render(request, "workload.html", actor, rows=rows, day=shown, board_branch=chosen)
