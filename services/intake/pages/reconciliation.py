"""The morning reconciliation in the browser (SPEC S18): the priority list, and a button
that runs it (the use case of ``POST /reconciliation``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from shared.fields import Code, PastDate
from shared.runtime import RuntimeDep

from ..service import reconciliation as service
from . import router
from .common import Clerk, RegisterReader, back, branch_of, is_htmx, render, today

Day = Annotated[PastDate | None, Query(alias="date")]


@router.get("/reconciliation", response_class=HTMLResponse)
async def reconciliation_page(request: Request, rt: RuntimeDep, actor: RegisterReader,
                              day: Day = None,
                              branch: Annotated[Code | None, Query()] = None) -> HTMLResponse:
    """The day's run (or that it has not run yet) and the calls still undispatched from
    earlier days, the supervisor's priority list."""
    where = branch_of(rt, actor, branch)
    day = day or today(rt, where)
    async with rt.db.reading() as session:
        run, waiting = await service.reconciliation_of_day(rt.context, session, actor=actor,
                                                           branch=where.code, day=day)
    template = "_intake_reconciliation.html" if is_htmx(request) else "intake_reconciliation.html"
    return render(request, template, actor, day=day, where=where, run=run, waiting=waiting,
                  may_run=actor.role == "clerk")


@router.post("/reconciliation/run", response_class=HTMLResponse)
async def run_reconciliation(request: Request, rt: RuntimeDep, actor: Clerk,
                             branch: Code, day: Annotated[PastDate, Query(alias="date")]
                             ) -> Response:
    """Run the morning reconciliation of ``date`` now; then the page again."""
    where = branch_of(rt, actor, branch)
    async with rt.db.transaction() as session:
        await service.reconcile(rt.context, session, actor=actor, branch=where.code, day=day)
    if is_htmx(request):
        return await reconciliation_page(request, rt, actor, day=day, branch=where.code)
    return back(f"/reconciliation?date={day.isoformat()}")
