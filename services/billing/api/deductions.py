"""Bonus and deduction routes (SPEC P6, P7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared.auth import ActorDep
from shared.rules import Forbidden
from shared.runtime import RuntimeDep

from ..schemas.deductions import BonusIn, BonusOut, DeductionOut
from ..service import deductions as svc
from .params import CODE, PathCode
from .roles import Accountant

router = APIRouter(tags=["deductions"])

DEDUCTION_READERS = frozenset({"accountant", "admin", "branch_manager", "vice_gm", "gm"})


@router.put("/bonuses/{person_id}/{month}", response_model=BonusOut)
async def put_bonus(
    person_id: PathCode, month: PathCode, body: BonusIn, rt: RuntimeDep, actor: Accountant
) -> BonusOut:
    """Record a person's monthly efficiency bonus and base points (SPEC P6, P7)."""
    async with rt.db.transaction() as session:
        row = await svc.put_bonus(rt.context, session, actor=actor, person_id=person_id,
                                  month=month, amount=body.amount,
                                  base_points=body.base_points, unit=body.unit)
        return BonusOut.model_validate(row)


@router.get("/deductions", response_model=DeductionOut)
async def read_deductions(
    person_id: Annotated[str, Query(max_length=64, pattern=CODE)],
    month: Annotated[str, Query(max_length=7)], rt: RuntimeDep, actor: ActorDep
) -> DeductionOut:
    """The deduction scheduled for a person's month and what carries forward (P6, P7)."""
    if actor.role not in DEDUCTION_READERS and actor.user_id != person_id:
        raise Forbidden("only accounting, management or the person may read this",
                        field="person_id")
    async with rt.db.reading() as session:
        return DeductionOut.model_validate(
            await svc.deductions_for(session, person_id=person_id, month=month))
