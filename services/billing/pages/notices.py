"""Contract expiry notices (SPEC S20): those issued, and those falling due within a month."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.runtime import RuntimeDep

from ..api.roles import ContractReader
from ..service import contracts
from . import router

AHEAD = timedelta(days=31)


@router.get("/expiry-notices", response_class=HTMLResponse)
async def expiry_notices(request: Request, rt: RuntimeDep, actor: ContractReader) -> HTMLResponse:
    """The caller's branch's expiry notices, and the contracts whose notice is coming (S20)."""
    branches = [actor.branch] if actor.branch else sorted(rt.branches)
    now = rt.clock.now()
    issued, coming = [], []
    async with rt.db.reading() as session:
        for branch in branches:
            issued += await contracts.expiry_notices(session, branch=branch)
            coming += await contracts.notices_coming(session, branch=branch, until=now + AHEAD)
    issued.sort(key=lambda n: (n.ends_on, n.contract_no))
    return request.app.state.console.render(
        request, "billing_notices.html", actor=actor, issued=issued, coming=coming, now=now)
