"""The work queue of a head-office role (issue 14): the complaint steps waiting for the
signed-in role and branch, overdue ones first, with counts; the petitions it must answer
(SPEC C9.12). The home page of the head-office roles (``shared.web.console.HOMES``)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.runtime import RuntimeDep

from ..api.cases import Reader
from ..service.queue import work_queue
from . import router


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(request: Request, rt: RuntimeDep, actor: Reader) -> HTMLResponse:
    """The steps waiting for the caller's role (SPEC C9.4, C10, C14)."""
    now = rt.context.now()
    async with rt.db.reading() as session:
        queue = await work_queue(session, actor=actor, now=now)
    return request.app.state.console.render(request, "complaints_queue.html", actor=actor,
                                            queue=queue, now=now)
