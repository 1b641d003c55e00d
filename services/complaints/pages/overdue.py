"""The overdue list as a page (SPEC C14): open cases past a step or case deadline, each
missed deadline one line addressed to the step's owner, with the reminder slips to print
(``/overdue/slips.pdf``). The same use case as ``GET /complaints/overdue``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.runtime import RuntimeDep

from ..api.cases import Reader
from ..service import reminders
from . import router


@router.get("/overdue", response_class=HTMLResponse)
async def overdue_page(request: Request, rt: RuntimeDep, actor: Reader) -> HTMLResponse:
    """Open cases the caller may read whose deadline has passed (SPEC C14)."""
    now = rt.context.now()
    async with rt.db.reading() as session:
        rows = await reminders.overdue_cases(session, actor=actor, as_of=now)
    rows.sort(key=lambda r: r["due_at"])  # type: ignore[arg-type,return-value]
    return request.app.state.console.render(request, "complaints_overdue.html", actor=actor,
                                            rows=rows, now=now)
