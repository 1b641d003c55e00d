"""Penalty decisions received, deductions and the payroll month close (SPEC P3, P6, P7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Actor, ActorDep, roles
from shared.fields import MONTH_PATTERN, PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.rules import Forbidden
from shared.runtime import RuntimeDep

from ..schemas.deductions import ClosedMonthOut, DecisionOut, DeductionOut, MonthCloseOut
from ..service import deductions as svc
from ..service import schedule
from .params import CODE, AfterId, PathCode
from .roles import Accountant, Accounting

router = APIRouter(tags=["deductions"])

DEDUCTION_READERS = frozenset({"accountant", "admin", "branch_manager", "vice_gm", "gm"})
DecisionReader = Annotated[Actor, Depends(roles(
    "accountant", "admin", "gm_office", "vice_gm", "gm",
))]


@router.get("/deductions", response_model=DeductionOut)
async def read_deductions(
    person_id: Annotated[str, Query(max_length=64, pattern=CODE)],
    month: Annotated[str, Query(max_length=7)], rt: RuntimeDep, actor: ActorDep
) -> DeductionOut:
    """The stored deduction of a person's month and what carries forward (P3, P6, P7)."""
    if actor.role not in DEDUCTION_READERS and actor.user_id != person_id:
        raise Forbidden("only accounting, management or the person may read this",
                        field="person_id")
    async with rt.db.reading() as session:
        return DeductionOut.model_validate(
            await schedule.deductions_for(session, person_id=person_id, month=month))


@router.post("/deductions/months/{month}/close", response_model=MonthCloseOut)
async def close_month(month: PathCode, rt: RuntimeDep, actor: Accountant) -> MonthCloseOut:
    """Close a payroll month: its deductions and bonuses become final (SPEC P7)."""
    async with rt.db.transaction() as session:
        return MonthCloseOut.model_validate(
            await svc.close_month(rt.context, session, actor=actor, month=month))


@router.get("/deductions/months", response_model=list[ClosedMonthOut])
async def closed_months(
    request: Request, response: Response, rt: RuntimeDep, _actor: DecisionReader,
    limit: Limit = DEFAULT_LIMIT,
    after: Annotated[str | None, Query(max_length=7, pattern=MONTH_PATTERN,
                                       description="the last month of the previous page")
                     ] = None,
) -> list[ClosedMonthOut]:
    """The closed payroll months, oldest first (SPEC P7); paged after the month ``after``."""
    async with rt.db.reading() as session:
        found = await svc.months(session, after=after, limit=limit + 1)
    found = page(request, response, found, limit=limit, cursor="after",
                 key=lambda m: m.month)  # CONTRACT "Lists"
    return [ClosedMonthOut.model_validate(m) for m in found]


@router.get("/deductions/decisions", response_model=list[DecisionOut])
async def list_decisions(
    request: Request, response: Response, rt: RuntimeDep, _actor: DecisionReader,
    status: Annotated[str | None, Query(max_length=16, pattern=CODE)] = None,
    limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[DecisionOut]:
    """The penalty decisions received and how each was priced; `held` awaits the register.
    By decision id; paged after the decision ``after_id``."""
    async with rt.db.reading() as session:
        found = await svc.decisions(session, status=status, after_id=after_id,
                                    limit=limit + 1)
    found = page(request, response, found, limit=limit, cursor="after_id",
                 key=lambda d: d.decision_id)  # CONTRACT "Lists"
    return [DecisionOut.model_validate(r) for r in found]


@router.post("/deductions/decisions/{decision_id}/price", response_model=DecisionOut)
async def price_again(decision_id: PathId, rt: RuntimeDep, actor: Accounting) -> DecisionOut:
    """Price a held decision once the register can (SPEC P3, P6)."""
    async with rt.db.transaction() as session:
        return DecisionOut.model_validate(await svc.price_again(
            rt.context, session, actor=actor, decision_id=decision_id))
