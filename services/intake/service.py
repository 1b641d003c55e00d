"""Intake use cases: the customer file and the repair-call register (SPEC §1)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor, require_branch
from shared.errors import NotFound, RuleViolation
from shared.events.intake import CallRegistered
from shared.runtime import Runtime

from . import domain
from .models import Call, Customer, Product, ProductCover, plumbing
from .schemas import CallIn, CustomerIn, ProductIn

# A call "received" this far in the future is a wrong clock, not a document call.
_MAX_CLOCK_SKEW = timedelta(minutes=5)


async def register_customer(
    rt: Runtime, session: AsyncSession, *, actor: Actor, data: CustomerIn
) -> tuple[Customer, bool]:
    """The customer with this phone in this branch, created if new; True if created."""
    rt.branch(data.branch)
    require_branch(actor, data.branch)
    phone = domain.normalise_phone(data.phone)
    existing = await session.scalar(
        select(Customer).where(Customer.branch == data.branch, Customer.phone == phone)
    )
    if existing is not None:
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
    customer = await session.get(Customer, data.customer_id)
    if customer is None:
        raise RuleViolation(f"no customer {data.customer_id}", field="customer_id")
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
    )
    return product


async def register_call(rt: Runtime, session: AsyncSession, *, actor: Actor, data: CallIn) -> Call:
    """SPEC S8/S6/S19: enter the call, issue its voucher, decide category and deadline."""
    customer = await session.get(Customer, data.customer_id)
    if customer is None:
        raise RuleViolation(f"no customer {data.customer_id}", field="customer_id")
    product = await session.get(Product, data.product_id)
    if product is None or product.customer_id != customer.id:
        raise RuleViolation(
            f"product {data.product_id} is not in customer {customer.id}'s file",
            field="product_id",
        )
    require_branch(actor, customer.branch)
    branch = rt.branch(customer.branch)
    now = rt.clock.now()
    received_at = data.received_at or now
    if received_at > now + _MAX_CLOCK_SKEW:
        raise RuleViolation("a call cannot be received in the future", field="received_at")
    local_day = received_at.astimezone(ZoneInfo(branch.timezone)).date()
    covers = (
        await session.scalars(select(ProductCover).where(ProductCover.product_id == product.id))
    ).all()
    category = domain.decide_category(  # SPEC S6
        on=local_day,
        warranty_ends=product.warranty_ends_on,
        covers=[domain.Cover(c.kind, c.starts_on, c.ends_on) for c in covers],
    )
    sla = domain.SlaClass(branch.sla_class(customer.district))  # SPEC S19
    call = Call(
        branch=branch.code, customer_id=customer.id, product_id=product.id,
        symptom=data.symptom, channel=data.channel, category=category.value,
        sla_class=sla.value, received_at=received_at, register_date=local_day,
        arrival_due_at=domain.arrival_due(branch.calendar, received_at, sla),
        status="registered", registered_at=now, registered_by=actor.user_id,
    )
    session.add(call)
    await session.flush()
    call.voucher_no = domain.voucher_no(branch.code, call.id)
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="call.registered",
        subject_type="call", subject_id=call.id, at=now,
        detail={"voucher_no": call.voucher_no, "category": call.category},
    )
    await rt.outbox.add(
        session,
        CallRegistered(
            call_id=call.id, voucher_no=call.voucher_no, branch=call.branch,
            customer_id=customer.id, customer_name=customer.name, district=customer.district,
            product_id=product.id, model=product.model, serial=product.serial,
            symptom=call.symptom, category=call.category, sla_class=call.sla_class,
            received_at=call.received_at, arrival_due_at=call.arrival_due_at,
            registered_by=actor.user_id, correlation_id=call.voucher_no,
        ),
    )
    return call


async def get_call(session: AsyncSession, *, actor: Actor, call_id: int) -> Call:
    call = await session.get(Call, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}", field="id")
    require_branch(actor, call.branch)
    return call


async def register_of_day(
    rt: Runtime, session: AsyncSession, *, actor: Actor, day: date, branch: str
) -> list[Call]:
    """The day's repair-call register of one branch (local date of receipt)."""
    rt.branch(branch)
    require_branch(actor, branch)
    rows = await session.scalars(
        select(Call).where(Call.branch == branch, Call.register_date == day).order_by(Call.id)
    )
    return list(rows)
