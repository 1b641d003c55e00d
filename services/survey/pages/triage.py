"""The service department triages a survey complaint from its page (SPEC Q26): the
use case of ``POST /survey-cards/{id}/triage``; a refusal is shown beside the form."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from shared.auth import Actor, roles
from shared.fields import PathId
from shared.rules import RuleBroken, WrongState
from shared.runtime import RuntimeDep

from ..schemas import TriageIn
from ..service import cards, triage
from . import router
from .cards import TRIAGERS, home

Triager = Annotated[Actor, Depends(roles(*TRIAGERS))]


@router.post("/triage/{card_id}", response_class=Response)
async def triage_from_page(request: Request, card_id: PathId, rt: RuntimeDep,
                           actor: Triager) -> Response:
    """Triage the card's complaint as the form says, then back to the page."""
    async with rt.db.reading() as session:  # the card is the caller's, before anything
        await cards.load_card(session, card_id, actor=actor)
    form = {k: v for k, v in (await request.form()).items()
            if isinstance(v, str) and k != "csrf_token"}
    try:
        try:
            body = TriageIn.model_validate({"severity": form.get("severity", ""),
                                            "reason": form.get("reason", "").strip() or None})
        except ValidationError as exc:
            field = str(exc.errors()[0]["loc"][0])
            raise RuleBroken(str(exc.errors()[0]["msg"]).removeprefix("Value error, "),
                             field=field, rule="Q26") from None
        async with rt.db.transaction() as session:
            await triage.triage_complaint(rt.context, session, actor=actor, card_id=card_id,
                                          severity=body.severity, reason=body.reason)
    except (RuleBroken, WrongState) as exc:
        return await home(request, rt, actor, errors={card_id: str(exc.body()["detail"])},
                          typed={card_id: form}, status_code=exc.status_code)
    return RedirectResponse("/", status_code=303)
