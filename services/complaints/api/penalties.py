"""Complaints' routes for losses, penalty decisions and the monthly notices (SPEC P1–P5, P8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from ..schemas.penalties import (
    AdministrativePenaltyIn,
    EconomicPenaltyIn,
    LossIn,
    LossOut,
    NoticeOut,
    PenaltyLineOut,
    PublishOut,
)
from ..service import penalties
from .params import CaseNo, Month

router = APIRouter(tags=["penalties"])

GmOffice = Annotated[Actor, Depends(roles("gm_office"))]
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
async def case_penalties(case_no: CaseNo, rt: RuntimeDep, actor: PenaltyReader
                         ) -> list[PenaltyLineOut]:
    """The penalty lines decided on a case (SPEC P2–P5)."""
    async with rt.db.reading() as session:
        rows = await penalties.case_penalties(session, actor=actor, case_no=case_no)
        return [PenaltyLineOut.model_validate(r) for r in rows]


@router.post("/penalty-notices/publish", response_model=PublishOut)
async def publish_notices(month: Month, rt: RuntimeDep, actor: GmOffice) -> PublishOut:
    """Publish a month's decisions, one notice per person; repeating changes nothing (P8)."""
    async with rt.db.transaction() as session:
        rows, new = await penalties.publish_month(rt.context, session, actor=actor,
                                                  month=month)
        return PublishOut(month=month, published=new,
                          notices=[NoticeOut.model_validate(r) for r in rows])


@router.get("/penalty-notices", response_model=PublishOut)
async def list_notices(month: Month, rt: RuntimeDep, _actor: PenaltyReader) -> PublishOut:
    """The notices published for a month (SPEC P8)."""
    async with rt.db.reading() as session:
        rows = await penalties.month_notices(session, month)
        return PublishOut(month=month, published=0,
                          notices=[NoticeOut.model_validate(r) for r in rows])
