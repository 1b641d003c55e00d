"""Workflow profiles as data (SPEC §3) and the monthly statistics table (SPEC C9.10)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.rules import RuleBroken, WrongState

from ..domain.profiles import PROFILE_DATA, load_profile
from ..domain.workflow import WorkflowDef
from ..models import Profile
from . import statistics
from .cases import all_workflows


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
    """Closed cases of the month by classification and responsible unit (SPEC C9.10),
    aggregated in SQL (service.statistics, issue 17)."""
    return await statistics.monthly_statistics(ctx, session, month=month)
