"""The GM's approvals page (SPEC P3b, P8b): administrative petitions awaiting the GM and a
month's drafted reward/penalty notices, each with its approve form.

The forms call the same use cases as the JSON routes; nothing here decides a rule.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.fields import PathId
from shared.runtime import RuntimeDep

from ..api.params import Month
from ..api.penalties import Gm, NoticeNo
from ..service import penalties
from ..service.cases import company_today
from . import router


def _last_month(rt: RuntimeDep) -> str:
    today = company_today(rt.context)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@router.get("/penalty-approvals", response_class=HTMLResponse)
async def approvals_page(request: Request, rt: RuntimeDep, actor: Gm,
                         month: Month | None = None) -> HTMLResponse:
    """What waits for the GM: petitions (P3b) and the month's drafted notices (P8b)."""
    month = month or _last_month(rt)
    async with rt.db.reading() as session:
        petitions = await penalties.petitions_awaiting_gm(session)
        notices = await penalties.month_notices(session, month)
    return request.app.state.console.render(
        request, "complaints_penalty_approvals.html", actor=actor, month=month,
        petitions=petitions, notices=notices)


@router.post("/penalty-approvals/decisions/{decision_id}")
async def approve_petition(decision_id: PathId, rt: RuntimeDep, actor: Gm) -> Response:
    """The GM approves an administrative petition from the page (SPEC P3b)."""
    async with rt.db.transaction() as session:
        await penalties.approve_administrative(rt.context, session, actor=actor,
                                               decision_id=decision_id)
    return RedirectResponse("/penalty-approvals", status_code=303)


@router.post("/penalty-approvals/notices/{notice_no}")
async def approve_notice(notice_no: NoticeNo, rt: RuntimeDep, actor: Gm) -> Response:
    """The GM approves a drafted notice from the page (SPEC P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.approve_notice(rt.context, session, actor=actor,
                                             notice_no=notice_no)
    return RedirectResponse(f"/penalty-approvals?month={row.month}", status_code=303)
