"""Case numbers `YYMMNN`, unique under concurrent filing (SPEC C8).

Invariant: the month's counter row is created if missing (`INSERT … ON CONFLICT DO
NOTHING`) and incremented with `UPDATE … RETURNING` in the filing's own transaction. The
update takes the row's lock until commit, so concurrent filings queue on it and get
consecutive serials; a filing that rolls back rolls its serial back too, leaving no gap.
The unique constraint on `complaints.case_no` is the last line of defence. Both statements
run on PostgreSQL and SQLite (3.35+). On SQLite the counter is the transaction's first
write, so the writer lock is taken before anything is read.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import is_sqlite

from ..domain.case_numbers import case_no_for, month_key
from ..models import CaseCounter

_COUNTERS = CaseCounter.__table__


async def allocate_case_no(
    session: AsyncSession, *, at: datetime, tz: tzinfo
) -> str:
    """The next case number of the month `at` falls in, in the company's zone (SPEC C8)."""
    key = month_key(at, tz=tz)
    insert = sqlite_insert if is_sqlite(session) else pg_insert
    await session.execute(
        insert(_COUNTERS)
        .values(month_key=key, last_serial=0)
        .on_conflict_do_nothing(index_elements=["month_key"])
    )
    serial = await session.scalar(
        update(_COUNTERS)
        .where(_COUNTERS.c.month_key == key)
        .values(last_serial=_COUNTERS.c.last_serial + 1)
        .returning(_COUNTERS.c.last_serial)
    )
    assert serial is not None
    return case_no_for(at, serial, tz=tz)
