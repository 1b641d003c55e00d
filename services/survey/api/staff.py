"""Survey's staff routes (CONTRACT "Survey"); the customer's link lives in ``link``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from shared.auth import Actor, roles
from shared.context import Context
from shared.fields import MONTH_PATTERN, PastDate, PathId
from shared.runtime import RuntimeDep

from ..domain.scores import Scores
from ..models import SurveyCard
from ..schemas import AnswerIn, CardDetail, CardOut, ComplaintOut, RankingLine, ScoresOut
from ..service import answers, cards, letters, scores

router = APIRouter()

CardReader = Annotated[
    Actor, Depends(roles("service_dept", "supervisor", "branch_manager", "admin"))
]
CardKeeper = Annotated[Actor, Depends(roles("service_dept"))]
ScoreReader = Annotated[
    Actor, Depends(roles("service_dept", "technician", "supervisor", "branch_manager",
                         "vice_gm", "gm", "admin"))
]
RankingReader = Annotated[
    Actor, Depends(roles("service_dept", "supervisor", "branch_manager", "vice_gm", "gm",
                         "admin"))
]
Month = Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM",
                             examples=["2026-03"])]
BranchCode = Annotated[str, Query(max_length=16, description="branch code, e.g. SC01")]
StaffId = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def complaint_out(card: SurveyCard) -> ComplaintOut | None:
    """The card's complaint or suggestion with its triage (Q26), if it carries one."""
    if card.complaint_status is None:
        return None
    return ComplaintOut(
        kind=card.complaint_kind or "complaint", severity=card.complaint_severity,
        text=card.complaint_text or "", case_no=card.complaint_case_no,
        status=card.complaint_status,  # type: ignore[arg-type]
        customer_severity=card.complaint_customer_severity,
        triage_reason=card.complaint_triage_reason, triaged_by=card.complaint_triaged_by,
        triaged_at=card.complaint_triaged_at,
    )


def detail_of(ctx: Context, card: SurveyCard, actor: Actor) -> CardDetail:
    out = CardDetail.model_validate(card)
    out.complaint = complaint_out(card)
    if actor.role in ("service_dept", "admin") and card.status == "sent":
        out.link = cards.link_of(ctx, card)
        out.link_expires_at = card.link_expires_at
    return out


def _scores(s: Scores, month: str) -> dict[str, object]:
    return {**asdict(s), "month": month}


@router.get("/survey-cards", response_model=list[CardOut], tags=["cards"])
async def list_cards(
    rt: RuntimeDep, actor: CardReader, day: Annotated[PastDate, Query(alias="date")],
    branch: Annotated[str | None, Query(max_length=16)] = None,
) -> list[CardOut]:
    """One card per call registered that day in the branch (SPEC Q24); the caller's own
    branch unless named, every branch for the head office."""
    async with rt.db.reading() as session:
        found = await cards.cards_of_day(rt.context, session, actor=actor, day=day,
                                         branch=branch)
        return [CardOut.model_validate(c) for c in found]


@router.get("/survey-cards/{card_id}", response_model=CardDetail, tags=["cards"])
async def read_card(card_id: PathId, rt: RuntimeDep, actor: CardReader) -> CardDetail:
    """One card: its answer, its complaint's case and, once sent, its one-time link (Q25)."""
    async with rt.db.reading() as session:
        card = await cards.card_detail(rt.context, session, actor=actor, card_id=card_id)
        letter = await letters.letter_of(rt.context, session, card.id)
        out = detail_of(rt.context, card, actor)
    if letter is None:
        return out
    return out.model_copy(update={"letter_status": letter.status, "letter_id": str(letter.id)})


@router.post(
    "/survey-cards/{card_id}/answers", response_model=CardDetail, status_code=201, tags=["cards"]
)
async def key_in_answer(
    card_id: PathId, data: AnswerIn, rt: RuntimeDep, actor: CardKeeper
) -> CardDetail:
    """Key in a paper card's answer (SPEC Q25); a complaint on it awaits triage (Q26)."""
    async with rt.db.transaction() as session:
        card = await answers.answer_on_paper(rt.context, session, actor=actor,
                                             card_id=card_id, data=data)
    return detail_of(rt.context, card, actor)


@router.get("/technicians/{technician_id}/scores", response_model=ScoresOut, tags=["scores"])
async def technician_scores(
    technician_id: StaffId, month: Month, rt: RuntimeDep, actor: ScoreReader
) -> ScoresOut:
    """A technician's month: averages per dimension and overall, cards answered/sent (Q23)."""
    async with rt.db.reading() as session:
        s = await scores.technician_scores(rt.context, session, actor=actor,
                                           technician_id=technician_id, month=month)
    return ScoresOut.model_validate(_scores(s, month))


@router.get("/rankings", response_model=list[RankingLine], tags=["scores"])
async def rankings(branch: BranchCode, month: Month, rt: RuntimeDep,
                   actor: RankingReader) -> list[RankingLine]:
    """The branch's technicians ranked by their month's overall score (SPEC Q23)."""
    async with rt.db.reading() as session:
        ranked = await scores.branch_ranking(rt.context, session, actor=actor, branch=branch,
                                             month=month)
    return [RankingLine.model_validate({**_scores(s, month), "rank": r}) for r, s in ranked]
