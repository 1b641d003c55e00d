"""The repair-call register: register, read, cancel and file calls (SPEC S6, S8, S9, S19)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor, require_branch
from shared.events.intake import CallCancelled, CallFiled, CallRegistered
from shared.rules import RuleBroken
from shared.runtime import Runtime

from .. import domain
from ..domain.call_state import CallStatus, check_cancellable, check_fileable
from ..models import Call, Product, ProductCover, plumbing
from ..schemas import CallIn
from .common import live_customer, load_call

# A call "received" this far in the future is a wrong clock, not a document call.
_MAX_CLOCK_SKEW = timedelta(minutes=5)


async def register_call(rt: Runtime, session: AsyncSession, *, actor: Actor, data: CallIn) -> Call:
    """SPEC S8/S6/S19: enter the call, issue its voucher, decide category and deadline."""
    customer = await live_customer(session, data.customer_id, field="customer_id")
    product = await session.get(Product, data.product_id)
    if product is None or product.customer_id != customer.id:
        raise RuleBroken(
            f"product {data.product_id} is not in customer {customer.id}'s file",
            field="product_id",
        )
    require_branch(actor, customer.branch)
    branch = rt.branch(customer.branch)
    now = rt.clock.now()
    received_at = data.received_at or now
    if received_at > now + _MAX_CLOCK_SKEW:
        raise RuleBroken("a call cannot be received in the future", field="received_at")
    local_day = received_at.astimezone(ZoneInfo(branch.timezone)).date()
    covers = (
        await session.scalars(select(ProductCover).where(ProductCover.product_id == product.id))
    ).all()
    category = domain.decide_category(  # SPEC S6, from the file as it is at the call
        on=local_day,
        warranty_ends=product.warranty_ends_on,
        covers=[domain.Cover(c.kind, c.starts_on, c.ends_on) for c in covers],
    )
    sla = domain.SlaClass(branch.sla_class(customer.district))  # SPEC S19
    call = Call(
        branch=branch.code, customer_id=customer.id, product_id=product.id,
        customer_name=customer.name, phone=customer.phone, address=customer.address,
        district=customer.district, model=product.model,
        symptom=data.symptom, channel=data.channel, category=category.value,
        sla_class=sla.value, received_at=received_at, register_date=local_day,
        arrival_due_at=domain.arrival_due(branch.calendar, received_at, sla),
        status=CallStatus.REGISTERED.value, registered_at=now, registered_by=actor.user_id,
        priority=False,
    )
    session.add(call)
    await session.flush()
    call.voucher_no = domain.voucher_no(branch.code, call.id)
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="call.registered",
        subject_type="call", subject_id=call.id, at=now,
        detail={"voucher_no": call.voucher_no, "category": call.category,
                "sla_class": call.sla_class},
    )
    await rt.outbox.add(
        session,
        CallRegistered(
            call_id=call.id, voucher_no=call.voucher_no, branch=call.branch,
            customer_id=customer.id, customer_name=customer.name, district=customer.district,
            product_id=product.id, model=product.model, serial=product.serial,
            symptom=call.symptom, category=call.category, sla_class=call.sla_class,
            received_at=call.received_at, arrival_due_at=call.arrival_due_at,
            registered_by=actor.user_id, correlation_id=call.voucher_no, occurred_at=now,
        ),
    )
    return call


async def get_call(session: AsyncSession, *, actor: Actor, call_id: int) -> Call:
    """One call of the register, within the caller's branch."""
    call = await load_call(session, call_id)
    require_branch(actor, call.branch)
    return call


async def register_of_day(
    rt: Runtime, session: AsyncSession, *, actor: Actor, day: date, branch: str
) -> list[Call]:
    """The day's repair-call register of one branch (local date of receipt; S8, S24)."""
    rt.branch(branch)
    require_branch(actor, branch)
    rows = await session.scalars(
        select(Call).where(Call.branch == branch, Call.register_date == day).order_by(Call.id)
    )
    return list(rows)


async def cancel_call(
    rt: Runtime, session: AsyncSession, *, actor: Actor, call_id: int, reason: str
) -> Call:
    """Withdraw a call nobody is working on yet, with a reason; dispatch drops its voucher."""
    call = await load_call(session, call_id, lock=True)
    require_branch(actor, call.branch)
    check_cancellable(call.status, reason)
    now = rt.clock.now()
    call.status = CallStatus.CANCELLED.value
    call.cancelled_at, call.cancelled_by, call.cancel_reason = now, actor.user_id, reason
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="call.cancelled",
        subject_type="call", subject_id=call.id, at=now, detail={"reason": reason},
    )
    await rt.outbox.add(session, CallCancelled(
        call_id=call.id, voucher_no=call.voucher_no or "", branch=call.branch, reason=reason,
        cancelled_by=actor.user_id, correlation_id=call.voucher_no, occurred_at=now,
    ))
    return call


async def file_call(rt: Runtime, session: AsyncSession, *, actor: Actor, call_id: int) -> Call:
    """SPEC S9: the clerk cancels (注銷) the completed call in the register, files the voucher."""
    call = await load_call(session, call_id, lock=True)
    require_branch(actor, call.branch)
    check_fileable(call.status, call.filed_at)
    now = rt.clock.now()
    call.filed_at, call.filed_by = now, actor.user_id
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="call.filed",
        subject_type="call", subject_id=call.id, at=now,
        detail={"voucher_no": call.voucher_no},
    )
    await rt.outbox.add(session, CallFiled(
        call_id=call.id, voucher_no=call.voucher_no or "", branch=call.branch,
        filed_by=actor.user_id, filed_at=now, correlation_id=call.voucher_no, occurred_at=now,
    ))
    return call
