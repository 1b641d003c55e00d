"""The complaints raised from survey cards and where each case stands (SPEC Q26–Q28): the
list the service department chases until every case is handled (Q27). Open cases come
first, overdue ones on top; a serious case is with the vice GM, a general one with the
service department (Q26). The stage is what complaints' events told survey
(``service.cases``); the triage queue itself stays on the home page."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.runtime import RuntimeDep

from ..api.triage import TriageReader
from ..service import cases, triage
from . import router
from .common import BranchQuery, branch_codes, staff_names

Stage = Annotated[Literal["open", "overdue", "closed", "all"] | None, Query()]


@router.get("/complaints", response_class=HTMLResponse)
async def raised_complaints(
    request: Request, rt: RuntimeDep, actor: TriageReader, branch: BranchQuery = None,
    stage: Stage = None,
) -> HTMLResponse:
    """Every complaint raised from a card with its case and stage, the caller's branch
    (head office: every branch, or the one picked)."""
    chosen = stage or "open"
    async with rt.db.reading() as session:
        found = await cases.raised_complaints(
            rt.context, session, actor=actor, branch=branch or None,
            stage=None if chosen == "all" else chosen)
        waiting = await triage.awaiting_triage(rt.context, session, actor=actor,
                                               branch=branch or None, limit=1000)
    now = rt.clock.now()
    return request.app.state.console.render(  # type: ignore[no-any-return]
        request, "survey_complaints.html", actor=actor, rows=found, stage=chosen,
        chosen_branch=branch or None, branches=branch_codes(rt, actor),
        names=staff_names(rt), stage_of=cases.stage_of, handled_by=cases.handled_by,
        days_open=lambda case, card: cases.days_open(case, card, now=now),
        waiting=len(waiting), limit=cases.LIST_LIMIT, subnav="complaints",
    )
