"""The abnormality sheets page (SPEC C3): file a no-loss quality issue for the unit
concerned, and the unit's list with its improvement and closing forms.

The forms are parsed into the JSON routes' bodies and handed to the same use cases; nothing
here decides a rule.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from shared.fields import PathId
from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..api.abnormality import Closer, Filer, Improver, SheetReader
from ..domain.abnormality import CLOSERS, FILERS, UNITS
from ..schemas.abnormality import CloseIn, ImprovementIn, SheetIn
from ..service import abnormality
from . import router

Model = TypeVar("Model", bound=BaseModel)


def _validated(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` as ``model``; a refusal names the first field that is wrong (422)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or None
        raise RuleBroken(str(error["msg"]), field=field, rule="C3") from None


def _text(value: object) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text or None


@router.get("/abnormality", response_class=HTMLResponse)
async def sheets_page(request: Request, rt: RuntimeDep, actor: SheetReader) -> HTMLResponse:
    """The caller's sheets (routed to its unit or filed by it) and the filing form."""
    async with rt.db.reading() as session:
        sheets = await abnormality.list_sheets(session, actor=actor)
    return request.app.state.console.render(
        request, "complaints_abnormality.html", actor=actor, sheets=sheets,
        may_file=actor.role in FILERS, units=sorted(UNITS), closers=CLOSERS)


@router.post("/abnormality")
async def file_sheet(request: Request, rt: RuntimeDep, actor: Filer) -> Response:
    """File a sheet from the form (SPEC C3)."""
    form = await request.form()
    data = _validated(SheetIn, {
        key: value for key in ("description", "unit_role", "unit", "customer", "order_no",
                               "part_no")
        if (value := _text(form.get(key))) is not None
    })
    async with rt.db.transaction() as session:
        await abnormality.file_sheet(rt.context, session, actor=actor, data=data)
    return RedirectResponse("/abnormality", status_code=303)


@router.post("/abnormality/{sheet_id}/improvement")
async def improve(request: Request, sheet_id: PathId, rt: RuntimeDep,
                  actor: Improver) -> Response:
    """The unit records its improvement from the form (SPEC C3)."""
    form = await request.form()
    data = _validated(ImprovementIn, {"improvement": _text(form.get("improvement")) or ""})
    async with rt.db.transaction() as session:
        await abnormality.record_improvement(rt.context, session, actor=actor,
                                             sheet_id=sheet_id, data=data)
    return RedirectResponse("/abnormality", status_code=303)


@router.post("/abnormality/{sheet_id}/close")
async def close(request: Request, sheet_id: PathId, rt: RuntimeDep, actor: Closer) -> Response:
    """Close an improved sheet from the form (SPEC C3)."""
    form = await request.form()
    async with rt.db.transaction() as session:
        await abnormality.close_sheet(rt.context, session, actor=actor, sheet_id=sheet_id,
                                      data=_validated(CloseIn, {"note": _text(form.get("note"))}))
    return RedirectResponse("/abnormality", status_code=303)
