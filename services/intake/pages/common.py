"""What the clerk's pages share: who may open which page (the same gates as the JSON
routes), the branch a page shows, reading a posted form into an edge schema."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from shared.auth import Actor, roles, scoped_branch
from shared.branches import Branch
from shared.rules import RuleBroken, WrongState
from shared.runtime import Runtime

from ..domain.call_state import check_cancellable, check_fileable
from ..models import Call

# The JSON routes' gates (api/customers.py, api/calls.py), for the pages that show the same.
FILE_KEEPERS = ("clerk", "counter", "admin")
FILE_READERS = ("clerk", "counter", "supervisor", "service_dept", "branch_manager", "admin")
REGISTER_READERS = ("clerk", "supervisor", "service_dept", "branch_manager", "admin")
CLERKS = ("clerk",)
CALL_TAKERS = ("clerk", "supervisor", "branch_manager")  # CT1: approvers of a late call

FileKeeper = Annotated[Actor, Depends(roles(*FILE_KEEPERS))]
FileReader = Annotated[Actor, Depends(roles(*FILE_READERS))]
RegisterReader = Annotated[Actor, Depends(roles(*REGISTER_READERS))]
Clerk = Annotated[Actor, Depends(roles(*CLERKS))]
CallTaker = Annotated[Actor, Depends(roles(*CALL_TAKERS))]


def branch_of(rt: Runtime, actor: Actor, requested: str | None) -> Branch:
    """The branch a page shows: the one asked for if the caller may see it, else the
    caller's own; a branchless head-office caller who names none sees the first branch."""
    code = scoped_branch(actor, requested or None) or next(iter(rt.context.branches))
    return rt.context.branch(code)


def today(rt: Runtime, branch: Branch) -> date:
    """The branch's date now."""
    return branch.local_date(rt.clock.now())


def render(request: Request, template: str, actor: Actor, **context: Any) -> HTMLResponse:
    return request.app.state.console.render(request, template, actor=actor, **context)  # type: ignore[no-any-return]


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def back(url: str) -> RedirectResponse:
    """After a plain (no-JS) form post: back to the page, as a GET."""
    return RedirectResponse(url, status_code=303)


async def posted(request: Request) -> dict[str, str]:
    """The posted form's text fields (an empty dict for any other body)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def read_form(
    model: type[BaseModel], data: dict[str, Any], *, ints: tuple[str, ...] = (),
    prefix: str = "",
) -> tuple[Any, dict[str, str]]:
    """``model`` from form text (blank fields left out, ``ints`` read as integers), or
    None and the messages by field (``prefix`` + field name, as the form names them)."""
    values: dict[str, Any] = {}
    for name in model.model_fields:
        raw = data.get(prefix + name)
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        values[name] = int(raw) if name in ints and raw.isdigit() and len(raw) < 11 else raw
    try:
        return model.model_validate(values), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"][:1]) or "form"
            errors.setdefault(prefix + field, str(error["msg"]).removeprefix("Value error, "))
        return None, errors


def _allowed(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except (RuleBroken, WrongState):  # the rule says no: the button is not offered
        return False
    return True


def may_cancel(call: Call) -> bool:
    """S9: the rule of call_state says the call can still be withdrawn."""
    return _allowed(check_cancellable, call.status, "reason")


def may_file(call: Call) -> bool:
    """S9: the rule of call_state says the call can be filed."""
    return _allowed(check_fileable, call.status, call.filed_at)
