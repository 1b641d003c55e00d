"""The contact of the customers billing writes to (issue 14), kept from intake's events.

Invariant: one row per customer, the contact of the *latest* event about them
(``as_of``): events on different subjects arrive in any order, and a redelivered old
call must not undo a newer e-mail address. An event carrying no contact (an old payload,
an anonymous POS sale) changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context
from shared.db import is_sqlite
from shared.events.intake import CallRegistered, PosSaleRegistered

from ..models import CustomerContact


@cache
def _contact_upsert(sqlite_engine: bool) -> Any:
    """The contact's upsert, built once per engine (issue 17): a new customer's row goes
    in; a known one takes the event's contact unless it knows a newer one (``as_of``),
    keeping its name, language and address where the event carries none."""
    dialect: Any = sqlite if sqlite_engine else postgresql
    table = CustomerContact.__table__
    new = dialect.insert(table).excluded

    def kept(column: str) -> Any:  # the event's value, or the known one if it has none
        return func.coalesce(func.nullif(new[column], ""), table.c[column])

    return dialect.insert(table).on_conflict_do_update(
        index_elements=[table.c.customer_id],
        set_={"branch": new.branch, "name": kept("name"), "email": new.email,
              "language": kept("language"), "address": kept("address"), "as_of": new.as_of},
        where=table.c.as_of <= new.as_of,
    )


async def contact_seen(
    ctx: Context, session: AsyncSession, *, customer_id: int, branch: str, name: str | None,
    email: str | None, language: str | None, address: str | None, as_of: datetime,
) -> None:
    """Record the customer's contact as an event carried it, unless a newer one is known.

    One statement: the upsert's row lock orders concurrent events about one customer,
    and its condition keeps the newest contact whatever order they come in."""
    if not name and email is None and address is None:
        return  # nothing to learn (an old payload)
    await session.execute(_contact_upsert(is_sqlite(session)), {
        "customer_id": customer_id, "branch": branch, "name": name or "", "email": email,
        "language": language, "address": address, "as_of": as_of})


async def from_call(ctx: Context, session: AsyncSession, event: CallRegistered) -> None:
    """The caller's contact as intake registered the call."""
    if event.customer_email is None and event.customer_address is None:
        return  # a payload from before contacts travelled
    await contact_seen(ctx, session, customer_id=event.customer_id, branch=event.branch,
                       name=event.customer_name, email=event.customer_email,
                       language=event.customer_language, address=event.customer_address,
                       as_of=event.occurred_at)


async def from_pos_sale(ctx: Context, session: AsyncSession, event: PosSaleRegistered) -> None:
    """The buyer's contact as the store's POS reported the sale (none if anonymous)."""
    if event.customer_name is None:
        return
    await contact_seen(ctx, session, customer_id=event.customer_id, branch=event.branch,
                       name=event.customer_name, email=event.customer_email,
                       language=event.customer_language, address=event.customer_address,
                       as_of=event.occurred_at)


async def holder(session: AsyncSession, customer_id: int) -> CustomerContact | None:
    """The contact billing knows for ``customer_id``, if any."""
    return await session.get(CustomerContact, customer_id)
