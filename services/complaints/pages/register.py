"""The complaint register (客戶抱怨案件登記追蹤表) the caller may read, with deadlines."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.runtime import RuntimeDep

from ..api.cases import Reader
from ..service.cases import register_lines
from . import router


@router.get("/", response_class=HTMLResponse)
async def register(request: Request, rt: RuntimeDep, actor: Reader) -> HTMLResponse:
    """Open and closed cases the caller's role may read (SPEC C9.4, C10)."""
    async with rt.db.reading() as session:
        cases = await register_lines(session, actor=actor)
    return request.app.state.console.render(request, "complaints_register.html",
                                            actor=actor, cases=cases)
