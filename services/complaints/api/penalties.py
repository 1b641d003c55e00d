"""Complaints' routes for losses, penalty decisions and the monthly notices (SPEC P1–P5, P8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from shared.auth import Actor, roles
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas.penalties import (
    AdministrativePenaltyIn,
    EconomicPenaltyIn,
    LossIn,
    LossOut,
    NoticeOut,
    PenaltyLineOut,
    PublishOut,
    RewardIn,
    RewardOut,
)
from ..service import penalties
from .params import AfterId, CaseNo, Month

DecisionId = Annotated[int, Path(ge=1, le=2**62)]
NoticeNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Z0-9-]+$")]

router = APIRouter(tags=["penalties"])

GmOffice = Annotated[Actor, Depends(roles("gm_office"))]
Gm = Annotated[Actor, Depends(roles("gm"))]  # SPEC P3b, P8b: the GM approves
# SPEC P3b: HR publishes (人事公布單). There is no hr role; `admin` (head office's
# administration, which keeps personnel records) stands for it, so the GM office that
# decides is not also the one that publishes.
Hr = Annotated[Actor, Depends(roles("admin"))]
PenaltyReader = Annotated[Actor, Depends(roles("gm_office", "gm", "vice_gm", "accountant",
                                               "admin"))]


@router.post("/complaints/{case_no}/loss", response_model=LossOut)
async def record_loss(case_no: CaseNo, body: LossIn, rt: RuntimeDep, actor: GmOffice) -> LossOut:
    """Record the loss on the returned goods (SPEC P1)."""
    async with rt.db.transaction() as session:
        case = await penalties.record_loss(rt.context, session, actor=actor, case_no=case_no,
                                           data=body)
        return LossOut(case_no=case.case_no, loss_amount=case.loss_amount)


@router.post("/complaints/{case_no}/penalties/economic", response_model=list[PenaltyLineOut],
             status_code=201)
async def decide_economic(
    case_no: CaseNo, body: EconomicPenaltyIn, rt: RuntimeDep, actor: GmOffice
) -> list[PenaltyLineOut]:
    """Apportion the loss among the responsible parties down to people (SPEC P2, P5)."""
    async with rt.db.transaction() as session:
        rows = await penalties.decide_economic(rt.context, session, actor=actor,
                                               case_no=case_no, data=body)
        return [PenaltyLineOut.model_validate(r) for r in rows]


@router.post("/complaints/{case_no}/penalties/administrative", response_model=PenaltyLineOut,
             status_code=201)
async def decide_administrative(
    case_no: CaseNo, body: AdministrativePenaltyIn, rt: RuntimeDep, actor: GmOffice
) -> PenaltyLineOut:
    """An administrative penalty on one person for one of the 15 grounds (SPEC P3, P4)."""
    async with rt.db.transaction() as session:
        row = await penalties.decide_administrative(
            rt.context, session, actor=actor, case_no=case_no, data=body
        )
        return PenaltyLineOut.model_validate(row)


@router.get("/complaints/{case_no}/penalties", response_model=list[PenaltyLineOut])
async def case_penalties(
    request: Request, response: Response, case_no: CaseNo, rt: RuntimeDep,
    actor: PenaltyReader, limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[PenaltyLineOut]:
    """The penalty lines decided on a case (SPEC P2–P5)."""
    async with rt.db.reading() as session:
        rows = await penalties.case_penalties(session, actor=actor, case_no=case_no,
                                              after_id=after_id, limit=limit + 1)
        rows = page(request, response, rows, limit=limit, cursor="after_id",
                    key=lambda r: r.id)  # CONTRACT "Lists"
        return [PenaltyLineOut.model_validate(r) for r in rows]


@router.post("/penalty-notices/publish", response_model=PublishOut)
async def publish_notices(month: Month, rt: RuntimeDep, actor: GmOffice) -> PublishOut:
    """Draft what is pending and send the notices the GM approved; repeating sends nothing
    twice, and a draft is never sent (SPEC P8, P8b)."""
    async with rt.db.transaction() as session:
        rows, new = await penalties.publish_month(rt.context, session, actor=actor,
                                                  month=month)
        return PublishOut(month=month, published=new,
                          notices=[NoticeOut.model_validate(r) for r in rows])


@router.get("/penalty-notices", response_model=PublishOut)
async def list_notices(month: Month, rt: RuntimeDep, _actor: PenaltyReader) -> PublishOut:
    """The month's notices, drafted, approved or published (SPEC P8, P8b)."""
    async with rt.db.reading() as session:
        rows = await penalties.month_notices(session, month)
        return PublishOut(month=month, published=0,
                          notices=[NoticeOut.model_validate(r) for r in rows])


@router.post("/penalty-decisions/{decision_id}/approve", response_model=PenaltyLineOut)
async def approve_administrative(decision_id: DecisionId, rt: RuntimeDep, actor: Gm
                                 ) -> PenaltyLineOut:
    """The GM approves the GM office's administrative penalty; billing prices it (P3b)."""
    async with rt.db.transaction() as session:
        row = await penalties.approve_administrative(rt.context, session, actor=actor,
                                                     decision_id=decision_id)
        return PenaltyLineOut.model_validate(row)


@router.post("/penalty-decisions/{decision_id}/hr-publication", response_model=PenaltyLineOut)
async def hr_publication(decision_id: DecisionId, rt: RuntimeDep, actor: Hr
                         ) -> PenaltyLineOut:
    """HR's publication slip (人事公布單) of an approved administrative penalty (P3b)."""
    async with rt.db.transaction() as session:
        row = await penalties.publish_by_hr(rt.context, session, actor=actor,
                                            decision_id=decision_id)
        return PenaltyLineOut.model_validate(row)


@router.post("/rewards", response_model=RewardOut, status_code=201)
async def decide_reward(body: RewardIn, rt: RuntimeDep, actor: GmOffice) -> RewardOut:
    """A reward (獎) for one person, listed on the month's notice; not a deduction (P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.decide_reward(rt.context, session, actor=actor, data=body)
        return RewardOut.model_validate(row)


@router.post("/penalty-notices/draft", response_model=PublishOut)
async def draft_notices(month: Month, rt: RuntimeDep, actor: GmOffice) -> PublishOut:
    """Draft a month's notices for the GM to approve; nothing is sent yet (P8, P8b)."""
    async with rt.db.transaction() as session:
        rows, _ = await penalties.draft_month(rt.context, session, actor=actor, month=month)
        return PublishOut(month=month, published=0,
                          notices=[NoticeOut.model_validate(r) for r in rows])


@router.post("/penalty-notices/{notice_no}/approve", response_model=NoticeOut)
async def approve_notice(notice_no: NoticeNo, rt: RuntimeDep, actor: Gm) -> NoticeOut:
    """The GM approves a drafted reward/penalty notice (SPEC P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.approve_notice(rt.context, session, actor=actor,
                                             notice_no=notice_no)
        return NoticeOut.model_validate(row)


@router.post("/penalty-notices/{notice_no}/publish", response_model=NoticeOut)
async def publish_notice(notice_no: NoticeNo, rt: RuntimeDep, actor: GmOffice) -> NoticeOut:
    """Send an approved notice's three copies (SPEC P8, P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.publish_notice(rt.context, session, actor=actor,
                                             notice_no=notice_no)
        return NoticeOut.model_validate(row)
