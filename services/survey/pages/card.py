"""One survey card in the browser (SPEC Q24–Q27): its answer, its complaint and where the
complaint's case stands, its one-time link once sent; and the service department keys a
paper card's answer in here (Q25), through the use case of
``POST /survey-cards/{id}/answers``. A refusal is shown beside the form, typed values kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from shared.auth import Actor, roles
from shared.fields import PathId
from shared.rules import RuleBroken, WrongState
from shared.runtime import Runtime, RuntimeDep

from ..api.staff import CardReader
from ..domain import cards as card_rules
from ..schemas import AnswerIn
from ..service import answers, cards, cases, letters
from . import router
from .common import staff_names

KEYERS = ("service_dept",)  # the JSON route's gate (CardKeeper): who keys paper answers
LINK_READERS = ("service_dept", "admin")  # who sees a sent card's one-time link
Keyer = Annotated[Actor, Depends(roles(*KEYERS))]
FIELDS = (*card_rules.DIMENSIONS, "comment", "complaint_kind", "complaint_severity",
          "complaint_text")


async def card_page(
    request: Request, rt: Runtime, actor: Actor, card_id: int, *, error: str = "",
    typed: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:
    """The card, its answer or the form to key one in, its complaint and case."""
    async with rt.db.reading() as session:
        card = await cards.card_detail(rt.context, session, actor=actor, card_id=card_id)
        known = await cases.cases_of(session, [card.complaint_case_no])
        letter = await letters.letter_of(rt.context, session, card.id)  # issue 14
    case = known.get(card.complaint_case_no or "")
    link = cards.link_of(rt.context, card) if (
        actor.role in LINK_READERS and card.status == card_rules.SENT) else None
    may_key = actor.role in KEYERS and card.status in (card_rules.PENDING, card_rules.SENT)
    return request.app.state.console.render(  # type: ignore[no-any-return]
        request, "survey_card.html", status_code=status_code, actor=actor, card=card,
        case=case, stage=cases.stage_of(case), link=link, letter=letter, may_key=may_key,
        error=error,
        typed=typed or {}, names=staff_names(rt), dimensions=card_rules.DIMENSIONS,
        levels=sorted(card_rules.LEVELS, reverse=True), subnav="cards",
    )


@router.get("/cards/{card_id}", response_class=HTMLResponse)
async def show_card(request: Request, card_id: PathId, rt: RuntimeDep,
                    actor: CardReader) -> HTMLResponse:
    """One card: its answer (or the paper-answer form), its complaint and case (Q25–Q27)."""
    return await card_page(request, rt, actor, card_id)


def answer_of(form: dict[str, str]) -> AnswerIn:
    """The form as the JSON route's body: levels as integers (0 when missing, which the
    rule refuses naming the field), a complaint only when its text is filled in."""
    levels = {d: int(v) if (v := form.get(d, "").strip()).isdigit() and len(v) < 3 else 0
              for d in card_rules.DIMENSIONS}
    text = form.get("complaint_text", "").strip()
    complaint = {"severity": form.get("complaint_severity", ""), "text": text,
                 "kind": form.get("complaint_kind", "complaint")} if text else None
    try:
        return AnswerIn.model_validate({**levels, "comment": form.get("comment", "").strip()
                                        or None, "complaint": complaint})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise RuleBroken(str(first["msg"]).removeprefix("Value error, "), field=field,
                         rule="Q25") from None


@router.post("/cards/{card_id}/answer", response_class=Response)
async def key_in_from_page(request: Request, card_id: PathId, rt: RuntimeDep,
                           actor: Keyer) -> Response:
    """Key in a paper card's answer (SPEC Q25); a complaint on it then awaits triage (Q26)."""
    async with rt.db.reading() as session:  # the card is the caller's, before anything
        await cards.load_card(session, card_id, actor=actor)
    form = {k: v for k, v in (await request.form()).items()
            if isinstance(v, str) and k in FIELDS}
    try:
        data = answer_of(form)
        async with rt.db.transaction() as session:
            await answers.answer_on_paper(rt.context, session, actor=actor, card_id=card_id,
                                          data=data)
    except (RuleBroken, WrongState) as exc:
        return await card_page(request, rt, actor, card_id, error=str(exc.body()["detail"]),
                               typed=form, status_code=exc.status_code)
    return RedirectResponse(f"/cards/{card_id}", status_code=303)
