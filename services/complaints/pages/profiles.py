"""The workflow profiles page (SPEC §3, C9.4): every profile's steps with owner, time,
condition and decision fields, as ``GET /profiles`` answers them; an admin loads a
company's own definition (the ``PUT /profiles/{name}`` body as JSON), after which its
cases get their step forms from the definition without new code.

(At ``/workflow-profiles``: ``/profiles`` is the JSON route.)
"""

from __future__ import annotations

import json
import re

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..api.admin import Admin
from ..api.cases import Reader
from ..service import catalogue
from . import router
from .forms import text

NAME_RULE = "C9.4"


@router.get("/workflow-profiles", response_class=HTMLResponse)
async def profiles_page(request: Request, rt: RuntimeDep, actor: Reader) -> HTMLResponse:
    """Built-in and company profiles with their steps (SPEC C9.4, R2, Q26)."""
    async with rt.db.reading() as session:
        profiles = await catalogue.list_profiles(session)
    return request.app.state.console.render(request, "complaints_profiles.html",
                                            actor=actor, profiles=profiles)


@router.post("/workflow-profiles")
async def load_profile(request: Request, rt: RuntimeDep, actor: Admin) -> Response:
    """Load a company's own definition from the form's JSON (SPEC §3)."""
    form = await request.form()
    name = text(form.get("name")) or ""
    try:
        body = json.loads(text(form.get("definition")) or "")
    except ValueError:
        raise RuleBroken("is not JSON", field="definition", rule=NAME_RULE) from None
    if not isinstance(body, dict):
        raise RuleBroken("must be a JSON object", field="definition", rule=NAME_RULE)
    if len(name) > 60 or re.fullmatch(r"[a-z][a-z0-9_]*", name) is None:
        raise RuleBroken("lower-case letters, digits and _", field="name", rule=NAME_RULE)
    async with rt.db.transaction() as session:
        await catalogue.put_profile(rt.context, session, actor=actor, name=name, data=body)
    return RedirectResponse(f"/workflow-profiles#profile-{name}", status_code=303)
