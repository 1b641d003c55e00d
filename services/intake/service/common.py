"""Loading the records every intake use case works on, within the caller's branch."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.db import get_or_404
from shared.rules import RuleBroken, WrongState

from ..models import Call, Customer

C = TypeVar("C", bound=Any)


async def load_call(session: AsyncSession, call_id: int, *, actor: Actor | None = None,
                    lock: bool = False) -> Call:
    """The call (locked FOR UPDATE when asked), or 404; 403 if it is another branch's."""
    call = await get_or_404(session, Call, call_id, what="call", field="id", lock=lock)
    if actor is not None:
        require_branch(actor, call.branch, field="id")
    return call


async def load_customer(session: AsyncSession, customer_id: int, *, actor: Actor,
                        field: str = "id", lock: bool = False) -> Customer:
    """The customer file named in the path, or 404; 403 if it is another branch's."""
    customer = await get_or_404(session, Customer, customer_id, what="customer", field=field,
                                lock=lock)
    require_branch(actor, customer.branch, field=field)
    return customer


async def live_customer(session: AsyncSession, customer_id: int, *, actor: Actor,
                        field: str) -> Customer:
    """A customer file named in a body that can take new products and calls (422 if
    unknown, 403 if another branch's, 409 if merged)."""
    return check_live_customer(await session.get(Customer, customer_id), customer_id,
                               actor=actor, field=field)


def check_live_customer(customer: C | None, customer_id: int, *, actor: Actor,
                        field: str) -> C:
    """``live_customer``'s checks on a file already read (a row or the model)."""
    if customer is None:
        raise RuleBroken(f"no customer {customer_id}", field=field)
    require_branch(actor, customer.branch, field=field)
    if customer.merged_into is not None:
        raise WrongState(
            f"customer {customer_id} was merged into {customer.merged_into}; use that file",
            field=field, rule="§1",
        )
    return customer
