"""Complaints' routes for profiles, statistics and penalties (SPEC §3, C9.10, P1–P5, P8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status

from shared.auth import Actor, ActorDep, roles
from shared.runtime import RuntimeDep

from . import catalogue, penalty_service
from .schemas_penalties import (
    AdministrativePenaltyIn,
    EconomicPenaltyIn,
    LossIn,
    LossOut,
    NoticeOut,
    PenaltyLineOut,
    PublishOut,
)

router = APIRouter()

Admin = Annotated[Actor, Depends(roles("admin"))]
GmOffice = Annotated[Actor, Depends(roles("gm_office"))]
Management = Annotated[Actor, Depends(roles(
    "gm_office", "gm", "vice_gm", "qa", "manufacturing", "sales", "sales_manager",
    "service_dept", "accountant", "admin",
))]
PenaltyReader = Annotated[Actor, Depends(roles("gm_office", "gm", "vice_gm", "accountant",
                                               "admin"))]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]


@router.get("/profiles", tags=["profiles"])
async def list_profiles(rt: RuntimeDep, _actor: ActorDep) -> list[dict[str, Any]]:
    """Every workflow profile with its steps, owners, times and fields (SPEC C9.4, R2, Q26)."""
    async with rt.db.reading() as session:
        return await catalogue.list_profiles(session)


@router.put("/profiles/{name}", tags=["profiles"])
async def put_profile(
    name: str, rt: RuntimeDep, actor: Admin, response: Response,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Load a company's own workflow definition; an ill-formed one is refused with the reason."""
    async with rt.db.transaction() as session:
        defn, created = await catalogue.put_profile(rt, session, actor=actor, name=name,
                                                    data=body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return catalogue.profile_out(defn, "custom")


@router.get("/statistics", tags=["statistics"])
async def statistics(month: Month, rt: RuntimeDep, _actor: Management) -> dict[str, Any]:
    """Closed cases of a month by classification and responsible unit (SPEC C9.10)."""
    async with rt.db.reading() as session:
        return await catalogue.monthly_statistics(rt, session, month=month)


@router.post("/complaints/{case_no}/loss", response_model=LossOut, tags=["penalties"])
async def record_loss(case_no: str, body: LossIn, rt: RuntimeDep, actor: GmOffice) -> LossOut:
    """Record the loss on the returned goods (SPEC P1)."""
    async with rt.db.transaction() as session:
        case = await penalty_service.record_loss(rt, session, actor=actor, case_no=case_no,
                                                 data=body)
        return LossOut(case_no=case.case_no, loss_amount=case.loss_amount)


@router.post("/complaints/{case_no}/penalties/economic", response_model=list[PenaltyLineOut],
             status_code=201, tags=["penalties"])
async def decide_economic(
    case_no: str, body: EconomicPenaltyIn, rt: RuntimeDep, actor: GmOffice
) -> list[PenaltyLineOut]:
    """Apportion the loss among the responsible parties down to people (SPEC P2, P5)."""
    async with rt.db.transaction() as session:
        rows = await penalty_service.decide_economic(rt, session, actor=actor, case_no=case_no,
                                                     data=body)
        return [PenaltyLineOut.model_validate(r) for r in rows]


@router.post("/complaints/{case_no}/penalties/administrative", response_model=PenaltyLineOut,
             status_code=201, tags=["penalties"])
async def decide_administrative(
    case_no: str, body: AdministrativePenaltyIn, rt: RuntimeDep, actor: GmOffice
) -> PenaltyLineOut:
    """An administrative penalty on one person for one of the 15 grounds (SPEC P3, P4)."""
    async with rt.db.transaction() as session:
        row = await penalty_service.decide_administrative(
            rt, session, actor=actor, case_no=case_no, data=body
        )
        return PenaltyLineOut.model_validate(row)


@router.get("/complaints/{case_no}/penalties", response_model=list[PenaltyLineOut],
            tags=["penalties"])
async def case_penalties(case_no: str, rt: RuntimeDep, _actor: PenaltyReader
                         ) -> list[PenaltyLineOut]:
    """The penalty lines decided on a case (SPEC P2–P5)."""
    async with rt.db.reading() as session:
        rows = await penalty_service.case_penalties(session, case_no)
        return [PenaltyLineOut.model_validate(r) for r in rows]


@router.post("/penalty-notices/publish", response_model=PublishOut, tags=["penalties"])
async def publish_notices(month: Month, rt: RuntimeDep, actor: GmOffice) -> PublishOut:
    """Publish a month's decisions, one notice per person; repeating changes nothing (P8)."""
    async with rt.db.transaction() as session:
        rows, new = await penalty_service.publish_month(rt, session, actor=actor, month=month)
        return PublishOut(month=month, published=new,
                          notices=[NoticeOut.model_validate(r) for r in rows])


@router.get("/penalty-notices", response_model=PublishOut, tags=["penalties"])
async def list_notices(month: Month, rt: RuntimeDep, _actor: PenaltyReader) -> PublishOut:
    """The notices published for a month (SPEC P8)."""
    async with rt.db.reading() as session:
        rows = await penalty_service.month_notices(session, month)
        return PublishOut(month=month, published=0,
                          notices=[NoticeOut.model_validate(r) for r in rows])
