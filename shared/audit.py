"""Who did what, when, on which record, and on what signature or approval (SPEC §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Actor


async def record(
    session: AsyncSession,
    table: Table,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | int,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an audit entry in the caller's transaction."""
    await session.execute(
        insert(table).values(
            at=at,
            actor_id=actor.user_id,
            actor_role=actor.role,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            detail=detail,
        )
    )


async def history(
    session: AsyncSession, table: Table, *, subject_type: str, subject_id: str | int
) -> list[dict[str, Any]]:
    """The audit entries of one record, oldest first."""
    rows = await session.execute(
        select(table)
        .where(table.c.subject_type == subject_type, table.c.subject_id == str(subject_id))
        .order_by(table.c.id)
    )
    return [
        {
            "at": r.at,
            "by": r.actor_id,
            "role": r.actor_role,
            "action": r.action,
            "detail": r.detail,
        }
        for r in rows
    ]
