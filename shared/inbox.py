"""Inbox: the record of events a consumer has already applied.

Invariant: the claim ``(consumer, event_id)`` is written in the same transaction as the
consumer's effect. A redelivered or re-published event finds its claim and is skipped;
a crash before commit leaves neither the claim nor the effect, so it is applied again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from .atomic import inserted


async def claim(
    session: AsyncSession, table: Table, *, consumer: str, event_id: str, at: datetime
) -> bool:
    """True if this is the first time ``consumer`` sees ``event_id``.

    One statement, one round trip (issue 17): the primary key decides. A concurrent
    duplicate waits on the first one's row (PostgreSQL; SQLite serialises writers) and,
    once that committed, inserts nothing and is skipped; if the first rolled back, the
    duplicate's claim goes in and it applies the event instead. In a consumer's batch of
    one statement the claim is a plain insert (``shared.atomic.inserted``).
    """
    return await inserted(session, table, {
        "consumer": consumer, "event_id": event_id, "processed_at": at},
        key=("consumer", "event_id"))
