"""Inbox: the record of events a consumer has already applied.

Invariant: the claim ``(consumer, event_id)`` is written in the same transaction as the
consumer's effect. A redelivered or re-published event finds its claim and is skipped;
a crash before commit leaves neither the claim nor the effect, so it is applied again.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .atomic import deferred
from .db import is_sqlite


@cache
def _claim_statement(table: Table, sqlite: bool) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING``, built once per table and engine."""
    insert = sqlite_insert if sqlite else pg_insert
    return (insert(table).on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(table.c.event_id))


@cache
def _plain_claim(table: Table) -> Any:
    return insert(table)


async def claim(
    session: AsyncSession, table: Table, *, consumer: str, event_id: str, at: datetime
) -> bool:
    """True if this is the first time ``consumer`` sees ``event_id``.

    One statement, one round trip (issue 17): the primary key decides. A concurrent
    duplicate waits on the first one's row (PostgreSQL; SQLite serialises writers) and,
    once that committed, inserts nothing and is skipped; if the first rolled back, the
    duplicate's claim goes in and it applies the event instead.
    """
    if deferred(session):
        # one statement for the batch (shared.consumer, ``inserts_only``): a claim already
        # there fails it whole, and each message is then claimed again on its own
        await session.execute(_plain_claim(table), {
            "consumer": consumer, "event_id": event_id, "processed_at": at})
        return True
    row = (await session.execute(
        _claim_statement(table, is_sqlite(session)),
        {"consumer": consumer, "event_id": event_id, "processed_at": at},
    )).first()
    return row is not None
