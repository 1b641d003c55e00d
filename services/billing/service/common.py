"""Plumbing shared by billing's use cases: serials and journal bookings.

Invariants enforced here:

- serials are gap-free and unique per (kind, branch, period): the counter row is
  incremented with one upsert in the caller's transaction, which also locks the row until
  commit, so a concurrent request waits and a rolled-back one gives its number back
  (SPEC S10/S13);
- every booking is balanced and append-only; a correction is a reversing entry whose
  ``reverses_id`` is unique, so an entry is reversed at most once (SPEC C13.2, §8).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import is_sqlite
from shared.rules import RuleBroken

from ..domain.returns import JournalLine, is_balanced
from ..models import Counter, JournalEntry, JournalLineRow


async def next_serial(session: AsyncSession, *, kind: str, scope: str, period: str) -> int:
    """The next gap-free serial of ``kind`` in ``scope`` and ``period`` (SPEC S10/S13)."""
    table = Counter.__table__
    insert = sqlite_insert if is_sqlite(session) else pg_insert
    stmt = (
        insert(table)
        .values(kind=kind, scope=scope, period=period, last=1)
        .on_conflict_do_update(
            index_elements=[table.c.kind, table.c.scope, table.c.period],
            set_={"last": table.c.last + 1},
        )
        .returning(table.c.last)
    )
    return int((await session.execute(stmt)).scalar_one())


async def book(
    ctx: Context, session: AsyncSession, *, actor: Actor, lines: list[JournalLine],
    source_type: str, source_no: str, memo: str, case_no: str | None = None,
    invoice_no: str | None = None, reverses_id: int | None = None,
) -> JournalEntry:
    """Append one balanced journal entry with its lines (SPEC C13.2, §8)."""
    if not lines or not is_balanced(lines):
        raise RuleBroken("a journal entry must balance", field="lines", rule="C13.2")
    entry = JournalEntry(
        source_type=source_type, source_no=source_no, case_no=case_no, invoice_no=invoice_no,
        memo=memo, reverses_id=reverses_id, booked_by=actor.user_id, booked_role=actor.role,
        booked_at=ctx.now(),
    )
    session.add(entry)
    await session.flush()
    session.add_all(
        JournalLineRow(entry_id=entry.id, account=x.account, debit=x.debit, credit=x.credit)
        for x in lines
    )
    await ctx.audit.record(
        session, actor=actor, action="journal.booked", subject_type="journal_entry",
        subject_id=entry.id,
        detail={"source": f"{source_type}:{source_no}", "memo": memo, "reverses": reverses_id,
                "lines": [[x.account, x.debit, x.credit] for x in lines]},
    )
    return entry


async def entry_lines(session: AsyncSession, entry_id: int) -> list[JournalLine]:
    """The lines of one booked entry, in booking order."""
    rows = await session.scalars(
        select(JournalLineRow).where(JournalLineRow.entry_id == entry_id)
        .order_by(JournalLineRow.id)
    )
    return [JournalLine(account=r.account, debit=r.debit, credit=r.credit) for r in rows]
