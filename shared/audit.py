"""Who did what, when, on which record, and on what signature or approval (SPEC §8).

Use cases write through :class:`AuditLog`, which every service's context carries beside
its outbox: ``await ctx.audit.record(session, actor=..., action=..., subject_type=...,
subject_id=..., detail=...)``. The entry joins the caller's transaction, so a refused
request leaves no audit line, and ``detail`` is made JSON-safe once, here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .atomic import Returned
from .auth import Actor
from .clock import Clock
from .db import Unit
from .jsonable import jsonable


class AuditLog:
    """Appends audit entries to one service's ``audit_log`` table."""

    def __init__(self, table: Table, clock: Clock) -> None:
        self.table = table
        self._clock = clock
        self._insert = insert(table)

    async def record(
        self,
        session: Unit,
        *,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: str | int | Returned,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append an entry in the caller's transaction, stamped now unless ``at`` says."""
        # one statement built once, its values as parameters: no SQL expression is built
        # and coerced per entry (issue 17)
        # a Returned id is read in the unit's statement, from the insert that made it
        if type(subject_id) is not Returned:
            subject_id = str(subject_id)
        await session.execute(self._insert, {
            "at": at or self._clock.now(), "actor_id": actor.user_id, "actor_role": actor.role,
            "action": action, "subject_type": subject_type, "subject_id": subject_id,
            "detail": jsonable(detail) if detail is not None else None,
        })

    async def history(
        self, session: AsyncSession, *, subject_type: str, subject_id: str | int
    ) -> list[dict[str, Any]]:
        """The audit entries of one record, oldest first."""
        return await history(session, self.table, subject_type=subject_type,
                             subject_id=subject_id)


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

