"""What the survey pages share: the query parameters, who is named how, the page's
gettext for strings made in Python (chart titles), and the sub-navigation's targets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import Query, Request

from shared.auth import Actor
from shared.fields import MONTH_PATTERN
from shared.runtime import Runtime

BranchQuery = Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_\-]+$")]
MonthQuery = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]


def gettext(request: Request, actor: Actor) -> Callable[[str], str]:
    """The page language's gettext, for labels drawn in Python (charts)."""
    console = request.app.state.console
    return console.gettext(console.language(request, actor))  # type: ignore[no-any-return]


def today(rt: Runtime, actor: Actor, branch: str | None = None) -> date:
    """Today in the branch shown (head office without one: the first branch's)."""
    code = branch or actor.branch
    where = rt.context.branch(code) if code else next(iter(rt.context.branches.values()))
    return where.local_date(rt.clock.now())


def this_month(rt: Runtime, actor: Actor, branch: str | None = None) -> str:
    """The current month ``YYYY-MM`` in the branch shown."""
    return today(rt, actor, branch).strftime("%Y-%m")


def staff_names(rt: Runtime) -> dict[str, str]:
    """Every staff id of every branch with its name (a technician shown by name)."""
    names: dict[str, str] = {}
    for where in rt.context.branches.values():
        for member in where.staff.values():
            names.setdefault(member.staff_id, member.name)
    return names


def branch_codes(rt: Runtime, actor: Actor) -> list[str]:
    """The branches the caller may pick: their own, or every one for the head office."""
    if actor.branch:
        return [actor.branch]
    return sorted(rt.context.branches)
