"""Survey's HTTP routes (CONTRACT "Survey")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from . import service
from .schemas import CardOut

router = APIRouter()

CardReader = Annotated[Actor, Depends(roles("service_dept", "supervisor", "admin"))]


@router.get("/survey-cards", response_model=list[CardOut], tags=["cards"])
async def list_cards(
    rt: RuntimeDep, actor: CardReader, day: Annotated[date, Query(alias="date")], branch: str
) -> list[CardOut]:
    """One card per call registered that day in the branch (SPEC Q24)."""
    async with rt.db.reading() as session:
        cards = await service.cards_of_day(rt, session, actor=actor, day=day, branch=branch)
        return [CardOut.model_validate(c) for c in cards]
