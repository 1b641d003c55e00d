"""The staff register and monthly bonuses (SPEC P3, P5, P6, P7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shared.auth import Actor, roles
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas.deductions import BonusIn, BonusOut, PersonOut, StaffIn, StaffOut
from ..service import staff as svc
from .params import CODE, AfterCode, PathCode
from .roles import Accounting

router = APIRouter(tags=["staff"])

# Head office reads the register (the GM office names bearers from it); accounting keeps it.
StaffReader = Annotated[Actor, Depends(roles(
    "accountant", "admin", "gm_office", "vice_gm", "gm", "service_dept", "qa",
    "manufacturing", "sales_manager",
))]


@router.put("/staff/{person_id}", response_model=StaffOut)
async def put_staff(person_id: PathCode, body: StaffIn, rt: RuntimeDep, actor: Accounting
                    ) -> StaffOut:
    """Record a person's unit and base points from a month on, with history (P5, P6)."""
    async with rt.db.transaction() as session:
        row = await svc.put_staff(rt.context, session, actor=actor, person_id=person_id,
                                  name=body.name, unit=body.unit, section=body.section,
                                  base_points=body.base_points,
                                  effective_month=body.effective_month)
        return StaffOut.model_validate(row)


@router.get("/staff", response_model=list[StaffOut])
async def list_staff(
    request: Request, response: Response, rt: RuntimeDep, _actor: StaffReader,
    unit: Annotated[str | None, Query(max_length=64, pattern=CODE)] = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterCode = None,
) -> list[StaffOut]:
    """The register as in force now, optionally one unit or section (SPEC P5), by person
    id; paged after the person ``after``."""
    async with rt.db.reading() as session:
        found = await svc.staff_list(session, unit=unit, after=after, limit=limit + 1)
    found = page(request, response, found, limit=limit, cursor="after",
                 key=lambda m: m.person_id)  # CONTRACT "Lists"
    return [StaffOut.model_validate(r) for r in found]


@router.get("/staff/{person_id}", response_model=PersonOut)
async def read_person(person_id: PathCode, rt: RuntimeDep, _actor: StaffReader) -> PersonOut:
    """A person's register entry with its history and bonuses (SPEC P5–P7)."""
    async with rt.db.reading() as session:
        found = await svc.person(session, person_id)
        return PersonOut.model_validate({
            **StaffOut.model_validate(found["member"]).model_dump(),
            "history": found["history"], "bonuses": found["bonuses"],
            "bonus_changes": found["bonus_changes"],
        })


@router.put("/bonuses/{person_id}/{month}", response_model=BonusOut)
async def put_bonus(
    person_id: PathCode, month: PathCode, body: BonusIn, rt: RuntimeDep, actor: Accounting
) -> BonusOut:
    """Record a person's efficiency bonus for an open month (SPEC P3, P7)."""
    async with rt.db.transaction() as session:
        row = await svc.put_bonus(rt.context, session, actor=actor, person_id=person_id,
                                  month=month, amount=body.amount)
        return BonusOut.model_validate(row)
