"""Complaints' routes for workflow profiles and the monthly statistics (SPEC §3, C9.10)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response, status

from shared.auth import Actor, ActorDep, roles
from shared.runtime import RuntimeDep

from ..service import catalogue
from .params import Month, ProfileName

router = APIRouter()

Admin = Annotated[Actor, Depends(roles("admin"))]
Management = Annotated[Actor, Depends(roles(
    "gm_office", "gm", "vice_gm", "qa", "manufacturing", "sales", "sales_manager",
    "service_dept", "accountant", "admin",
))]


@router.get("/profiles", tags=["profiles"])
async def list_profiles(rt: RuntimeDep, _actor: ActorDep) -> list[dict[str, Any]]:
    """Every workflow profile with its steps, owners, times and fields (SPEC C9.4, R2, Q26)."""
    async with rt.db.reading() as session:
        return await catalogue.list_profiles(session)


@router.put("/profiles/{name}", tags=["profiles"])
async def put_profile(
    name: ProfileName, rt: RuntimeDep, actor: Admin, response: Response,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Load a company's own workflow definition; an ill-formed one is refused with the reason."""
    async with rt.db.transaction() as session:
        defn, created = await catalogue.put_profile(rt.context, session, actor=actor,
                                                    name=name, data=body)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return catalogue.profile_out(defn, "custom")


@router.get("/statistics", tags=["statistics"])
async def statistics(month: Month, rt: RuntimeDep, _actor: Management) -> dict[str, Any]:
    """Closed cases of a month by classification and responsible unit (SPEC C9.10)."""
    async with rt.db.reading() as session:
        return await catalogue.monthly_statistics(rt.context, session, month=month)
