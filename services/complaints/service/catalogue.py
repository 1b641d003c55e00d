"""Workflow profiles as data (SPEC §3) and the monthly statistics table (SPEC C9.10)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.rules import RuleBroken, WrongState

from ..domain.profiles import PROFILE_DATA, load_profile
from ..domain.statistics import (
    ClosedCase,
    complaint_statistics,
    month_bounds,
    statistics_final,
)
from ..domain.workflow import WorkflowDef
from ..models import Complaint, Profile
from .abnormality import month_block
from .cases import all_workflows, company_today, company_zone


def from_validation(exc: ValidationError, *, rule: str, prefix: str = "") -> RuleBroken:
    """An ill-formed definition (pydantic's first reason) as a 422 naming the bad part."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first.get("loc", ()))
    field = ".".join(p for p in (prefix, path) if p) or None
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return RuleBroken(message, field=field, rule=rule)


def profile_out(defn: WorkflowDef, source: str) -> dict[str, Any]:
    """A profile as data: its steps with owner, time, condition and fields (GET /profiles)."""
    body = defn.model_dump(mode="json", exclude_none=True)
    return {"name": defn.profile, "source": source, **body}


async def list_profiles(session: AsyncSession) -> list[dict[str, Any]]:
    """Built-in and company profiles with their steps (SPEC C9.4, R2, Q26/Q28)."""
    return [profile_out(defn, source) for defn, source in await all_workflows(session)]


async def put_profile(
    ctx: Context, session: AsyncSession, *, actor: Actor, name: str, data: dict[str, Any]
) -> tuple[WorkflowDef, bool]:
    """Load a company's own workflow definition, validated; True when new (SPEC §3)."""
    if name in PROFILE_DATA:
        raise WrongState(f"{name} is built in; load your own under another name", field="name",
                       rule="C9.4")
    given = data.get("profile", name)
    if given != name:
        raise RuleBroken(f"{given!r} does not match the path's {name!r}", field="profile",
                            rule="C9.4")
    try:
        defn = load_profile({**data, "profile": name})
    except ValidationError as exc:
        raise from_validation(exc, rule="C9.4") from None
    now = ctx.now()
    row = await session.get(Profile, name, with_for_update=True)
    created = row is None
    if row is None:
        session.add(Profile(name=name, definition=defn.model_dump(mode="json"),
                            updated_at=now, updated_by=actor.user_id))
    else:
        row.definition, row.updated_at, row.updated_by = (
            defn.model_dump(mode="json"), now, actor.user_id)
    await ctx.audit.record(
        session, actor=actor, action="profile.loaded",
        subject_type="profile", subject_id=name, at=now,
        detail={"steps": defn.step_names(), "created": created},
    )
    return defn, created


async def monthly_statistics(ctx: Context, session: AsyncSession, *, month: str) -> dict[str, Any]:
    """Closed cases of the month by classification and responsible unit (SPEC C9.10).

    The table is prepared from the 1st of the next month and `final` from the 10th; asked
    for earlier (the month still running), it answers the cases closed so far with
    `provisional: true` [choice] rather than refusing, so a manager can watch the month.
    """
    tz = company_zone(ctx)
    start, end = month_bounds(month, tz)
    now = ctx.now()
    rows = await session.scalars(
        select(Complaint).where(Complaint.closed_at >= start, Complaint.closed_at < end)
        .order_by(Complaint.id)
    )
    cases = [
        ClosedCase(
            case_no=c.case_no, classification=c.classification,
            responsible_unit=None if c.handling == "not_valid" else c.responsible_unit,
            loss_amount=c.loss_amount if c.loss_amount is not None else 0,
        )
        for c in rows
    ]
    table = complaint_statistics(cases, month=month)
    final = statistics_final(month, company_today(ctx))
    return {
        "month": table.month, "final": final, "provisional": now < end, "total": table.total,
        "by_classification": table.by_classification,
        "by_unit": [
            {"unit": u.unit, "count": u.count, "share": u.share, "loss": u.loss}
            for u in table.by_unit
        ],
        "unattributed": table.unattributed, "total_loss": table.total_loss,
        # SPEC C3: abnormality sheets filed in the month, beside the table, not in `total`.
        "abnormalities": await month_block(session, start=start, end=end),
    }
