"""Anonymous POS sales (issue 15, SPEC §7 and S6): the products of a walk-in sale wait in
the store's walk-in file, each with its warranty, until the first caller who gives the
serial claims it into their own file.

Invariants:
- One walk-in file per store, keyed like any file by ``(branch, phone)`` with a phone
  that no real number normalises to (``pos:<store>``), so no caller is matched to it by
  phone and two deliveries racing to open it end with one file.
- A claim moves the product (its covers follow: they hang on the product) and is
  audited in the same transaction; a product already in a person's file is not
  claimable (404), so a serial cannot be taken from its owner this way.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.rules import NotFound
from shared.stores import Store

from ..models import Customer, Product
from .common import live_customer

WALK_IN_PHONE = "pos:"  # the phone prefix of a store's walk-in file [choice]


def walk_in_phone(store_id: str) -> str:
    return f"{WALK_IN_PHONE}{store_id}"


async def walk_in_file(ctx: Context, session: AsyncSession, *, actor: Actor,
                       store: Store) -> Customer:
    """The store's walk-in file, opened at its first anonymous sale."""
    phone = walk_in_phone(store.store_id)
    query = select(Customer).where(Customer.branch == store.branch, Customer.phone == phone)
    found = await session.scalar(query)
    if found is not None:
        return found
    customer = Customer(branch=store.branch, name=f"POS walk-in {store.store_id}",
                        phone=phone, address="-", district="-", created_at=ctx.now(),
                        created_by=actor.user_id)
    try:
        async with session.begin_nested():
            session.add(customer)
    except IntegrityError:  # another delivery opened it meanwhile
        return await session.scalar(query.execution_options(populate_existing=True))
    await ctx.audit.record(session, actor=actor, action="customer.created",
                           subject_type="customer", subject_id=customer.id,
                           detail={"walk_in_store": store.store_id})
    return customer


async def claim_product(ctx: Context, session: AsyncSession, *, actor: Actor,
                        customer_id: int, serial: str) -> Product:
    """Attach the anonymously sold product with ``serial`` to the caller's file."""
    customer = await live_customer(session, customer_id, actor=actor, field="customer_id")
    product = await session.scalar(
        select(Product).join(Customer, Product.customer_id == Customer.id)
        .where(Product.serial == serial, Customer.branch == customer.branch,
               Customer.phone.startswith(WALK_IN_PHONE))
        .order_by(Product.id.desc()).limit(1).with_for_update()
    )
    if product is None:
        raise NotFound(f"no unclaimed POS sale of serial {serial!r} in {customer.branch}",
                       field="serial", rule="§7")
    walk_in = product.customer_id
    product.customer_id = customer.id
    await session.flush()
    await ctx.audit.record(session, actor=actor, action="product.claimed",
                           subject_type="product", subject_id=product.id,
                           detail={"customer_id": customer.id, "from_walk_in": walk_in,
                                   "serial": serial})
    return product
