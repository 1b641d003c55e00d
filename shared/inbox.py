"""Inbox: the record of events a consumer has already applied.

Invariant: the claim ``(consumer, event_id)`` is written in the same transaction as the
consumer's effect. A redelivered or re-published event finds its claim and is skipped;
a crash before commit leaves neither the claim nor the effect, so it is applied again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(
    session: AsyncSession, table: Table, *, consumer: str, event_id: str, at: datetime
) -> bool:
    """True if this is the first time ``consumer`` sees ``event_id``.

    A concurrent duplicate that slips past the check fails on the primary key at commit,
    which rolls the whole effect back; the message is then redelivered and skipped here.
    """
    seen = await session.scalar(
        select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id == event_id)
    )
    if seen is not None:
        return False
    await session.execute(
        insert(table).values(consumer=consumer, event_id=event_id, processed_at=at)
    )
    return True
