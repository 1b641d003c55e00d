"""Payroll months: which are closed, and the one lock every schedule change takes (SPEC P7).

Invariant: months close in order, so "closed" is every month up to ``closed_through``;
closing and re-planning both lock the single ``payroll_state`` row first (PostgreSQL:
FOR UPDATE; SQLite: writers already run one at a time), so a close never interleaves with
a re-plan and a closed month's entries are never rewritten.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import is_sqlite
from shared.rules import Forbidden, WrongState

from ..domain.deductions import next_month
from ..models import PayrollState

RULE = "P7"


async def lock_state(session: AsyncSession) -> PayrollState:
    """The payroll state row, created if absent, locked for this transaction."""
    insert = sqlite_insert if is_sqlite(session) else pg_insert
    await session.execute(insert(PayrollState).values(id=1, closed_through=None)
                          .on_conflict_do_nothing(index_elements=[PayrollState.id]))
    query = select(PayrollState).where(PayrollState.id == 1).execution_options(
        populate_existing=True)
    if not is_sqlite(session):
        query = query.with_for_update()
    return (await session.scalars(query)).one()


async def closed_through(session: AsyncSession) -> str | None:
    """The last closed payroll month, or None (a read; no lock)."""
    return await session.scalar(select(PayrollState.closed_through).where(PayrollState.id == 1))


def open_from(state: PayrollState) -> str | None:
    """The earliest open month, or None when no month has been closed."""
    return next_month(state.closed_through) if state.closed_through else None


def check_open(state: PayrollState, month: str, *, field: str = "month") -> None:
    """Refuse changing what a closed payroll month was computed from (409, SPEC P7)."""
    if state.closed_through and month <= state.closed_through:
        raise WrongState(f"payroll month {month} is closed (closed through "
                         f"{state.closed_through}); corrections go to an open month",
                         field=field, rule=RULE)


def current_month(ctx: Context) -> str:
    """This month in the company's zone: the head office's, as complaints reads months
    (SPEC P8 [choice])."""
    zone = ctx.head_office().zone if ctx.branches else ZoneInfo("UTC")
    local = ctx.now().astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def require_payroll_office(ctx: Context, actor: Actor) -> None:
    """Payroll is the company's, kept by the head office's accounting
    (``AFTERSALES_HEAD_OFFICE_BRANCH``, [choice]) or by a branchless admin: another
    branch's accountant gets 403."""
    home = ctx.head_office().code if ctx.branches else None
    if actor.branch is not None and actor.branch != home:
        raise Forbidden("payroll is kept by the company's accounting", field="branch",
                        rule=RULE)
