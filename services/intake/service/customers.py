"""The customer file: customers, registered products, their covers, merges (SPEC §1, S6).

Invariants:
- One number, one customer per branch: phones are stored in E.164 (read with the
  branch's region), under a unique ``(branch, phone)``. Two clerks opening the same
  file at once both get it: the loser's insert fails inside a savepoint and it answers
  the winner's row (PostgreSQL makes it wait for the winner's commit; SQLite writers
  are serialised anyway), never a 500 and never a second row.
- A merge moves every product and call of the duplicate to the survivor in one
  transaction and keeps the duplicate (``merged_into``), so nothing is lost and the
  audit log tells who merged what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.intake import CustomerMerged
from shared.fields import check_happened_on
from shared.rules import WrongState

from .. import domain
from ..domain.merge import FileRef, check_merge
from ..models import Call, Customer, Product, ProductCover
from ..schemas import ContactIn, CustomerIn, ProductIn
from .common import live_customer, load_customer


async def register_customer(
    ctx: Context, session: AsyncSession, *, actor: Actor, data: CustomerIn,
    phone_field: str = "phone",
) -> tuple[Customer, bool]:
    """The customer with this phone in this branch, created if new; True if created.

    A phone that belongs to a merged file finds the survivor (SPEC §1: no duplicates).
    """
    branch = ctx.branch(data.branch)
    require_branch(actor, branch.code)
    phone = domain.normalise_phone(data.phone, region=branch.country, field=phone_field)
    existing = await _by_phone(session, branch.code, phone)
    if existing is not None:
        return existing, False
    customer = Customer(
        branch=branch.code, name=data.name, phone=phone, address=data.address,
        district=data.district, email=data.email,
        language=data.language or branch.language,  # issue 14: default the branch's
        created_at=ctx.now(), created_by=actor.user_id,
    )
    try:
        async with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        # Someone opened the same file meanwhile (and committed): theirs is the file.
        winner = await _by_phone(session, branch.code, phone)
        if winner is None:  # pragma: no cover - the constraint names no other cause
            raise
        return winner, False
    await ctx.audit.record(
        session, actor=actor, action="customer.created", subject_type="customer",
        subject_id=customer.id,
    )
    return customer, True


async def update_contact(
    ctx: Context, session: AsyncSession, *, actor: Actor, customer_id: int, data: ContactIn,
) -> Customer:
    """Correct how the customer hears back: e-mail (none: letters go by post) and the
    language of their letters (none: the branch's). Issue 14; audited with old values."""
    customer = await load_customer(session, customer_id, actor=actor, lock=True)
    if customer.merged_into is not None:
        raise WrongState(f"customer {customer_id} was merged into {customer.merged_into}; "
                         "use that file", field="id", rule="§1")
    language = data.language or ctx.branch(customer.branch).language
    before = {"email": customer.email, "language": customer.language}
    customer.email = data.email
    customer.language = language
    await ctx.audit.record(
        session, actor=actor, action="customer.contact_updated", subject_type="customer",
        subject_id=customer.id,
        detail={"before": before, "after": {"email": data.email, "language": language}},
    )
    return customer


async def _by_phone(session: AsyncSession, branch: str, phone: str) -> Customer | None:
    """The live file of ``phone`` in ``branch``: a merged one leads to its survivor."""
    found = await session.scalar(
        select(Customer).where(Customer.branch == branch, Customer.phone == phone)
        .execution_options(populate_existing=True)
    )
    while found is not None and found.merged_into is not None:
        found = await session.get_one(Customer, found.merged_into)
    return found


async def register_product(
    ctx: Context, session: AsyncSession, *, actor: Actor, data: ProductIn,
    field_prefix: str = "",
) -> Product:
    """Register a product in a customer's file with its maker's warranty end."""
    customer = await live_customer(session, data.customer_id, actor=actor,
                                   field=f"{field_prefix}customer_id")
    today = ctx.branch(customer.branch).local_date(ctx.now())
    check_happened_on(data.purchased_on, today=today, field=f"{field_prefix}purchased_on",
                      what="the purchase date")
    product = Product(
        customer_id=customer.id, model=data.model, serial=data.serial,
        purchased_on=data.purchased_on, warranty_months=data.warranty_months,
        warranty_ends_on=domain.warranty_ends_on(data.purchased_on, data.warranty_months),
        seller=data.seller, category=data.category, created_at=ctx.now(),
        created_by=actor.user_id,
    )
    session.add(product)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="product.registered", subject_type="product",
        subject_id=product.id, detail={"customer_id": customer.id, "serial": product.serial},
    )
    return product


@dataclass(frozen=True)
class CustomerFile:
    """A customer with their products, each product's covers, calls and merged files."""

    customer: Customer
    products: list[Product]
    covers: dict[int, list[ProductCover]]
    call_ids: list[int]
    merged_duplicates: list[int]


async def customer_file(session: AsyncSession, *, actor: Actor, customer_id: int) -> CustomerFile:
    """The file: customer, products, covers by product, call ids, merged duplicates."""
    customer = await load_customer(session, customer_id, actor=actor)
    products = list(await session.scalars(
        select(Product).where(Product.customer_id == customer.id).order_by(Product.id)
    ))
    covers: dict[int, list[ProductCover]] = {p.id: [] for p in products}
    if products:
        rows = await session.scalars(
            select(ProductCover).where(ProductCover.product_id.in_(covers)).order_by(
                ProductCover.starts_on)
        )
        for cover in rows:
            covers[cover.product_id].append(cover)
    call_ids = list(await session.scalars(
        select(Call.id).where(Call.customer_id == customer.id).order_by(Call.id)
    ))
    merged = list(await session.scalars(
        select(Customer.id).where(Customer.merged_into == customer.id).order_by(Customer.id)
    ))
    return CustomerFile(customer, products, covers, call_ids, merged)


async def merge_customers(
    ctx: Context, session: AsyncSession, *, actor: Actor, survivor_id: int, duplicate_id: int
) -> Customer:
    """Merge a duplicate customer file into the survivor, keeping all history (SPEC §1)."""
    survivor = await load_customer(session, survivor_id, actor=actor, lock=True)
    duplicate = await load_customer(session, duplicate_id, actor=actor, field="duplicate_id",
                                    lock=True)
    check_merge(
        FileRef(survivor.id, survivor.branch, survivor.merged_into),
        FileRef(duplicate.id, duplicate.branch, duplicate.merged_into),
    )
    product_ids = list(await session.scalars(
        select(Product.id).where(Product.customer_id == duplicate.id).order_by(Product.id)
    ))
    call_ids = list(await session.scalars(
        select(Call.id).where(Call.customer_id == duplicate.id).order_by(Call.id)
    ))
    await session.execute(
        update(Product).where(Product.customer_id == duplicate.id).values(customer_id=survivor.id)
    )
    await session.execute(
        update(Call).where(Call.customer_id == duplicate.id).values(customer_id=survivor.id)
    )
    now = ctx.now()
    duplicate.merged_into, duplicate.merged_at = survivor.id, now
    duplicate.merged_by = actor.user_id
    detail = {"survivor_id": survivor.id, "duplicate_id": duplicate.id,
              "product_ids": product_ids, "call_ids": call_ids}
    for subject in (survivor.id, duplicate.id):
        await ctx.audit.record(
            session, actor=actor, action="customer.merged", subject_type="customer",
            subject_id=subject, detail=detail,
        )
    await ctx.outbox.add(session, CustomerMerged(
        branch=survivor.branch, survivor_id=survivor.id, duplicate_id=duplicate.id,
        product_ids=product_ids, call_ids=call_ids, merged_by=actor.user_id, occurred_at=now,
    ))
    return survivor


# -- reads for the clerk's console (issue 12) ---------------------------------------------

_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-.]{5,30}$")


async def find_customers(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, query: str,
    limit: int = 50,
) -> list[Customer]:
    """The live files of ``branch`` a clerk is looking for: by phone, read to E.164 with
    the branch's region exactly as a new file stores it (422 naming ``q`` if it cannot be
    a number), or else by a part of the name, case-insensitively."""
    where = ctx.branch(branch)
    require_branch(actor, where.code)
    text = query.strip()
    if not text:
        return []
    if _PHONE_LIKE.match(text):
        phone = domain.normalise_phone(text, region=where.country, field="q")
        found = await _by_phone(session, where.code, phone)
        return [found] if found is not None else []
    pattern = text.lower()
    return list(await session.scalars(
        select(Customer)
        .where(Customer.branch == where.code, Customer.merged_into.is_(None),
               func.lower(Customer.name).contains(pattern, autoescape=True))
        .order_by(Customer.name, Customer.id).limit(limit)
    ))


async def calls_of_customer(session: AsyncSession, *, actor: Actor,
                            customer_id: int) -> list[Call]:
    """The customer's calls, newest first (the history on the file page)."""
    customer = await load_customer(session, customer_id, actor=actor)
    return list(await session.scalars(
        select(Call).where(Call.customer_id == customer.id).order_by(Call.id.desc())
    ))


def categories_on(found: CustomerFile, day: date) -> dict[int, str]:
    """SPEC S6: the category a call on ``day`` would get, for each product of the file."""
    return {
        p.id: domain.decide_category(
            on=day, warranty_ends=p.warranty_ends_on,
            covers=[domain.Cover(c.kind, c.starts_on, c.ends_on) for c in found.covers[p.id]],
        ).value
        for p in found.products
    }
