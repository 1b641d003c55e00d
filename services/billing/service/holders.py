"""The contact of the customers billing writes to (issue 14), kept from intake's events.

Invariant: one row per customer, the contact of the *latest* event about them
(``as_of``): events on different subjects arrive in any order, and a redelivered old
call must not undo a newer e-mail address. An event carrying no contact (an old payload,
an anonymous POS sale) changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import Context
from shared.events.intake import CallRegistered, PosSaleRegistered

from ..models import CustomerContact


async def contact_seen(
    ctx: Context, session: AsyncSession, *, customer_id: int, branch: str, name: str | None,
    email: str | None, language: str | None, address: str | None, as_of: datetime,
) -> CustomerContact | None:
    """Record the customer's contact as an event carried it, unless a newer one is known."""
    if not name and email is None and address is None:
        return None  # nothing to learn (an old payload)
    known = await session.get(CustomerContact, customer_id, with_for_update=True)
    if known is None:
        known = CustomerContact(customer_id=customer_id, branch=branch, name=name or "",
                                email=email, language=language, address=address, as_of=as_of)
        session.add(known)
        return known
    if as_of < known.as_of:
        return known
    known.branch = branch
    known.name = name or known.name
    known.email = email
    known.language = language or known.language
    known.address = address or known.address
    known.as_of = as_of
    return known


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
