"""The clerk's home: find a customer by phone or name, open a new file, today's register."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.fields import Code
from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..service import calls as call_service
from ..service import customers as customer_service
from . import router
from .common import FILE_KEEPERS, REGISTER_READERS, FileReader, branch_of, render, today

Search = Annotated[str, Query(max_length=120)]


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, rt: RuntimeDep, actor: FileReader, q: Search = "",
               branch: Annotated[Code | None, Query()] = None) -> HTMLResponse:
    """Find a customer (phone read to E.164 with the branch's region, or a part of the
    name); a link to a new file; today's register at a glance (for who may read it)."""
    where = branch_of(rt, actor, branch)
    day = today(rt, where)
    found, problem = [], None
    async with rt.db.reading() as session:
        if q.strip():
            try:
                found = await customer_service.find_customers(
                    rt.context, session, actor=actor, branch=where.code, query=q)
            except RuleBroken as exc:
                problem = exc.message
        summary = None
        if actor.role in REGISTER_READERS:
            calls = await call_service.register_of_day(rt.context, session, actor=actor,
                                                       day=day, branch=where.code)
            summary = {"total": len(calls), "by_status": Counter(c.status for c in calls),
                       "filed": sum(1 for c in calls if c.filed_at is not None),
                       "priority": sum(1 for c in calls if c.priority)}
    return render(request, "intake_home.html", actor, q=q, found=found, problem=problem,
                  searched=bool(q.strip()), summary=summary, day=day, where=where,
                  may_keep=actor.role in FILE_KEEPERS,
                  prefill={"phone" if any(ch.isdigit() for ch in q) else "name": q.strip()})
