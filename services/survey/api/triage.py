"""Survey's triage routes (SPEC Q26): the complaints awaiting the service department's
triage, and the triage itself, which forwards the complaint to complaints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Actor, roles
from shared.fields import PathId
from shared.runtime import RuntimeDep

from ..models import SurveyCard
from ..schemas import AwaitingOut, CardDetail, TriageIn
from ..service import triage
from .staff import CardKeeper, complaint_out, detail_of

router = APIRouter()

TriageReader = Annotated[Actor, Depends(roles("service_dept", "admin"))]
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
AfterId = Annotated[int, Query(ge=0, le=2**31 - 1, description="cursor: the last card id seen")]


def awaiting_out(card: SurveyCard) -> AwaitingOut:
    """One line of the triage queue: the card and the customer's complaint (Q26)."""
    complaint = complaint_out(card)
    assert complaint is not None, f"card {card.id} carries a complaint"
    return AwaitingOut(
        card_id=card.id, call_id=card.call_id, voucher_no=card.voucher_no,
        branch=card.branch, technician_id=card.technician_id,
        customer_name=card.customer_name, answered_at=card.answered_at,
        answered_via=card.answered_via, complaint=complaint,
    )


@router.get("/survey-complaints", response_model=list[AwaitingOut], tags=["triage"])
async def list_awaiting(
    request: Request, response: Response, rt: RuntimeDep, actor: TriageReader,
    branch: Annotated[str | None, Query(max_length=16)] = None,
    limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[AwaitingOut]:
    """Complaints and suggestions from answered cards awaiting the service department's
    triage (SPEC Q26), by card; the caller's branch unless named, every branch for the
    head office."""
    async with rt.db.reading() as session:
        found = await triage.awaiting_triage(rt.context, session, actor=actor, branch=branch,
                                             after_id=after_id, limit=limit + 1)
    if len(found) > limit:
        found = found[:limit]
        url = request.url.include_query_params(after_id=found[-1].id)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return [awaiting_out(c) for c in found]


@router.post("/survey-cards/{card_id}/triage", response_model=CardDetail, tags=["triage"])
async def triage_complaint(
    card_id: PathId, body: TriageIn, rt: RuntimeDep, actor: CardKeeper
) -> CardDetail:
    """Triage a card's complaint as serious or general (SPEC Q26): a change of the
    customer's choice needs a reason; the complaint is then raised to complaints."""
    async with rt.db.transaction() as session:
        card = await triage.triage_complaint(rt.context, session, actor=actor,
                                             card_id=card_id, severity=body.severity,
                                             reason=body.reason)
    return detail_of(rt.context, card, actor)
