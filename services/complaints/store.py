"""Loading cases and workflow definitions, and turning rows into the domain's view of them.

A case keeps a snapshot of the workflow definition it was filed under, so an admin who
loads a new definition later never changes the route of a case already under way.
[choice] The company's zone (case-number months, penalty and statistics months) is the
zone of the first branch in the reference data (Asia/Shanghai for the demo).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.rules import NotFound, RuleBroken
from shared.runtime import Runtime

from .domain.case_state import CaseState
from .domain.profiles import PROFILE_DATA, builtin_profile
from .domain.workflow import WorkflowDef
from .models import Complaint, Profile


def company_zone(rt: Runtime) -> tzinfo:
    """The zone months are read in: the first branch's (SPEC C8, C9.10, P8 [choice])."""
    for branch in rt.branches.values():
        return ZoneInfo(branch.timezone)
    return ZoneInfo("UTC")


def jsonable(value: Any) -> Any:
    """A decision value as JSON: money as a decimal string, dates and times ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


async def workflow_for(session: AsyncSession, name: str) -> WorkflowDef:
    """A built-in profile, or a company's own loaded with PUT /profiles (SPEC §3)."""
    if name in PROFILE_DATA:
        return builtin_profile(name)
    row = await session.get(Profile, name)
    if row is None:
        known = [*PROFILE_DATA, *(await session.scalars(select(Profile.name)))]
        raise RuleBroken(f"unknown profile; one of {', '.join(known)}", field="profile",
                            rule="C9.4")
    return WorkflowDef.model_validate(row.definition)


async def all_workflows(session: AsyncSession) -> list[tuple[WorkflowDef, str]]:
    """Every profile with its source (`builtin` or `custom`), built-ins first."""
    found = [(builtin_profile(name), "builtin") for name in PROFILE_DATA]
    rows = await session.scalars(select(Profile).order_by(Profile.name))
    found.extend((WorkflowDef.model_validate(r.definition), "custom") for r in rows)
    return found


async def find_case(session: AsyncSession, case_no: str, *, lock: bool = False) -> Complaint:
    """The case with this number, locked for update when asked; 404 otherwise."""
    query = select(Complaint).where(Complaint.case_no == case_no)
    if lock:
        query = query.with_for_update()
    case = await session.scalar(query)
    if case is None:
        raise NotFound(f"no complaint {case_no}", field="case_no")
    return case


async def register_lines(
    session: AsyncSession, *, status: str | None = None, profile: str | None = None,
    source_card_id: int | None = None,
) -> list[Complaint]:
    """Cases of the register, oldest first, filtered by status, profile or survey card."""
    query = select(Complaint).order_by(Complaint.id).limit(1000)
    if status is not None:
        query = query.where(Complaint.status == status)
    if profile is not None:
        query = query.where(Complaint.profile == profile)
    if source_card_id is not None:
        query = query.where(Complaint.source_card_id == source_card_id)
    return list((await session.scalars(query)).all())


def definition(case: Complaint) -> WorkflowDef:
    """The workflow snapshot the case runs under."""
    return WorkflowDef.model_validate(case.workflow)


def case_state(case: Complaint) -> CaseState:
    """The domain's view of a case: its step, deadlines, decisions and attributes."""
    return CaseState(
        market=case.market,  # type: ignore[arg-type]
        current_step=case.current_step,
        decisions=case.decisions or {},
        attributes={
            "severity": case.severity,
            "defective_quantity": case.defective_quantity,
            "supplier_coordinated": case.supplier_coordinated,
            "classification": case.classification,
            "store_id": case.store_id,
        },
        step_started_at=case.step_started_at,
        step_due_at=case.step_due_at,
        case_due_at=case.case_due_at,
        closed_at=case.closed_at,
    )
