"""The POS instructions in the browser (SPEC §7, C13.2): refunds and allowances sent to a
store's till with their delivery state, the bookings held because the till paid another
amount (to review), and the confirmations that fit no instruction. The same use cases and
roles as ``api/pos.py``; the over-acceptance ratio of an order is set on ``/returns``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from shared.fields import Text
from shared.runtime import RuntimeDep

from ..api.params import DocNo, QueryCode
from ..api.roles import Accountant, Accounting
from ..service import pos as svc
from . import router

PAGE = "/instructions"
Status = Literal["pending", "delivered", "confirmed", "reversed"]


class ReviewForm(BaseModel):
    note: Text = Field(min_length=3, max_length=200)


@router.get(PAGE, response_class=HTMLResponse)
async def instructions_page(request: Request, rt: RuntimeDep, actor: Accounting,
                            status: Status | None = None,
                            store_id: QueryCode = None) -> HTMLResponse:
    """Held bookings first, then every instruction, and the orphan confirmations (§7)."""
    async with rt.db.reading() as session:
        held = await svc.find_instructions(session, actor=actor, store_id=store_id,
                                           status=None, case_no=None, held=True)
        rows = await svc.find_instructions(session, actor=actor, store_id=store_id,
                                           status=status, case_no=None, held=None)
        orphans = await svc.orphan_confirmations(rt.context, session, actor=actor,
                                                 store_id=store_id)
    return request.app.state.console.render(
        request, "billing_instructions.html", actor=actor, held=held, rows=rows,
        orphans=orphans, status=status or "", store_id=store_id or "",
        may_review=actor.role == "accountant")


@router.post(f"{PAGE}/{{instruction_id}}/review", response_class=HTMLResponse)
async def review(instruction_id: DocNo, rt: RuntimeDep, actor: Accountant,
                 form: Annotated[ReviewForm, Form()]) -> Response:
    """Clear the hold on a booking whose executed amount differed (SPEC §7, C13.2)."""
    async with rt.db.transaction() as session:
        await svc.review(rt.context, session, actor=actor, instruction_id=instruction_id,
                         note=form.note)
    return RedirectResponse(PAGE, status_code=303)
