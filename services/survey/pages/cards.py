"""The service department's survey page: the complaints awaiting its triage (SPEC Q26)
above the day's cards (SPEC Q24), one per call, with where each stands: its status, the
technician it rates, its voucher and, once raised, its complaint case's stage (Q27)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.auth import Actor
from shared.fields import PastDate
from shared.runtime import Runtime, RuntimeDep

from ..api.staff import CardReader
from ..service import cards, cases, triage
from . import router
from .common import BranchQuery, branch_codes, staff_names, today

# Who sees the triage queue (the JSON route's gate) and who may triage from it.
TRIAGE_READERS = ("service_dept", "admin")
TRIAGERS = ("service_dept",)
QUEUE_LIMIT = 200  # [choice] the page shows the oldest 200; the JSON list pages on


async def home(
    request: Request, rt: Runtime, actor: Actor, *, day: date | None = None,
    branch: str | None = None, errors: dict[int, str] | None = None,
    typed: dict[int, dict[str, str]] | None = None, status_code: int = 200,
) -> HTMLResponse:
    """The page: the triage queue (for the service department) and the day's cards of
    the branch picked (head office without one: every branch)."""
    if day is None:  # today in the caller's branch (head office: the first branch's)
        day = today(rt, actor, branch)
    queue: list[Any] = []
    async with rt.db.reading() as session:
        found = await cards.cards_of_day(rt.context, session, actor=actor, day=day,
                                         branch=branch)
        known = await cases.cases_of(session, (c.complaint_case_no for c in found))
        if actor.role in TRIAGE_READERS:
            queue = await triage.awaiting_triage(rt.context, session, actor=actor,
                                                 branch=branch, limit=QUEUE_LIMIT)
    counts = {s: sum(1 for c in found if c.status == s)
              for s in ("pending", "sent", "answered", "cancelled")}
    return request.app.state.console.render(  # type: ignore[no-any-return]
        request, "survey_cards.html", status_code=status_code, actor=actor, day=day,
        cards=found, queue=queue, may_triage=actor.role in TRIAGERS,
        errors=errors or {}, typed=typed or {}, chosen_branch=branch,
        branches=branch_codes(rt, actor), names=staff_names(rt), cases=known,
        stage_of=cases.stage_of, counts=counts, subnav="cards",
    )


@router.get("/", response_class=HTMLResponse)
async def day_cards(
    request: Request, rt: RuntimeDep, actor: CardReader,
    day: Annotated[PastDate | None, Query(alias="date")] = None, branch: BranchQuery = None,
) -> HTMLResponse:
    """The complaints awaiting triage and the day's cards of the caller's branch (head
    office: every branch, or the one picked)."""
    return await home(request, rt, actor, day=day, branch=branch or None)
