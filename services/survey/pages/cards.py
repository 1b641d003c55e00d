"""The day's survey cards (SPEC Q24): one per call, with where each stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.fields import PastDate
from shared.runtime import RuntimeDep

from ..api.staff import CardReader
from ..service import cards
from . import router


@router.get("/", response_class=HTMLResponse)
async def day_cards(
    request: Request, rt: RuntimeDep, actor: CardReader,
    day: Annotated[PastDate | None, Query(alias="date")] = None,
) -> HTMLResponse:
    """The day's cards of the caller's branch (head office: every branch)."""
    if day is None:  # today in the caller's branch (head office: the first branch's)
        branch = rt.context.branch(actor.branch) if actor.branch else next(
            iter(rt.context.branches.values()))
        day = branch.local_date(rt.clock.now())
    async with rt.db.reading() as session:
        found = await cards.cards_of_day(rt.context, session, actor=actor, day=day, branch=None)
    return request.app.state.console.render(request, "survey_cards.html", actor=actor,
                                            day=day, cards=found)
