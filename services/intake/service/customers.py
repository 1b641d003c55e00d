"""The customer file: customers, registered products, their covers, merges (SPEC §1, S6).

Invariant: a merge moves every product and call of the duplicate to the survivor in
one transaction and keeps the duplicate (``merged_into``), so nothing is lost and the
audit log tells who merged what.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor, require_branch
from shared.events.billing import CoverGranted
from shared.events.intake import CustomerMerged
from shared.rules import NotFound
from shared.runtime import Runtime

from .. import domain
from ..domain.merge import FileRef, check_merge
from ..models import Call, Customer, Product, ProductCover, plumbing
from ..schemas import CustomerIn, ProductIn
from .common import live_customer


async def register_customer(
    rt: Runtime, session: AsyncSession, *, actor: Actor, data: CustomerIn
) -> tuple[Customer, bool]:
    """The customer with this phone in this branch, created if new; True if created.

    A phone that belongs to a merged file finds the survivor (SPEC §1: no duplicates).
    """
    rt.branch(data.branch)
    require_branch(actor, data.branch)
    phone = domain.normalise_phone(data.phone)
    existing = await session.scalar(
        select(Customer).where(Customer.branch == data.branch, Customer.phone == phone)
    )
    if existing is not None:
        while existing.merged_into is not None:
            existing = await session.get_one(Customer, existing.merged_into)
        return existing, False
    now = rt.clock.now()
    customer = Customer(
        branch=data.branch, name=data.name, phone=phone, address=data.address,
        district=data.district, created_at=now, created_by=actor.user_id,
    )
    session.add(customer)
    await session.flush()
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="customer.created",
        subject_type="customer", subject_id=customer.id, at=now,
    )
    return customer, True


async def register_product(
    rt: Runtime, session: AsyncSession, *, actor: Actor, data: ProductIn
) -> Product:
    """Register a product in a customer's file with its maker's warranty end."""
    customer = await live_customer(session, data.customer_id, field="customer_id")
    require_branch(actor, customer.branch)
    now = rt.clock.now()
    product = Product(
        customer_id=customer.id, model=data.model, serial=data.serial,
        purchased_on=data.purchased_on, warranty_months=data.warranty_months,
        warranty_ends_on=domain.warranty_ends_on(data.purchased_on, data.warranty_months),
        seller=data.seller, created_at=now, created_by=actor.user_id,
    )
    session.add(product)
    await session.flush()
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="product.registered",
        subject_type="product", subject_id=product.id, at=now,
        detail={"customer_id": customer.id, "serial": product.serial},
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
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="id")
    require_branch(actor, customer.branch)
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
    rt: Runtime, session: AsyncSession, *, actor: Actor, survivor_id: int, duplicate_id: int
) -> Customer:
    """Merge a duplicate customer file into the survivor, keeping all history (SPEC §1)."""
    survivor = await session.get(Customer, survivor_id, with_for_update=True)
    if survivor is None:
        raise NotFound(f"no customer {survivor_id}", field="id")
    require_branch(actor, survivor.branch)
    duplicate = await session.get(Customer, duplicate_id, with_for_update=True)
    if duplicate is None:
        raise NotFound(f"no customer {duplicate_id}", field="duplicate_id")
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
    now = rt.clock.now()
    duplicate.merged_into, duplicate.merged_at = survivor.id, now
    duplicate.merged_by = actor.user_id
    detail = {"survivor_id": survivor.id, "duplicate_id": duplicate.id,
              "product_ids": product_ids, "call_ids": call_ids}
    for subject in (survivor.id, duplicate.id):
        await audit.record(
            session, plumbing.audit_log, actor=actor, action="customer.merged",
            subject_type="customer", subject_id=subject, at=now, detail=detail,
        )
    await rt.outbox.add(session, CustomerMerged(
        branch=survivor.branch, survivor_id=survivor.id, duplicate_id=duplicate.id,
        product_ids=product_ids, call_ids=call_ids, merged_by=actor.user_id, occurred_at=now,
    ))
    return survivor


async def cover_granted(rt: Runtime, session: AsyncSession, event: CoverGranted) -> None:
    """SPEC S6 B: a contract or extended warranty now covers a product; later calls are B."""
    product = await session.get(Product, event.product_id)
    if product is None:
        raise NotFound(f"no product {event.product_id} for cover {event.ref}", field="product_id")
    cover = await session.scalar(
        select(ProductCover).where(ProductCover.kind == event.kind, ProductCover.ref == event.ref)
    )
    if cover is None:
        cover = ProductCover(kind=event.kind, ref=event.ref, product_id=product.id,
                             starts_on=event.starts_on, ends_on=event.ends_on)
        session.add(cover)
    else:  # a renewal or correction of the same contract moves its dates
        cover.starts_on, cover.ends_on = event.starts_on, event.ends_on
    cover.recorded_at = rt.clock.now()
    await audit.record(
        session, plumbing.audit_log, actor=Actor.system("intake"), action="product.covered",
        subject_type="product", subject_id=product.id, at=rt.clock.now(),
        detail={"kind": event.kind, "ref": event.ref, "starts_on": event.starts_on.isoformat(),
                "ends_on": event.ends_on.isoformat(), "event_id": event.event_id},
    )
