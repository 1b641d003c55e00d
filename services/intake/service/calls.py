"""The repair-call register: register, read, cancel and file calls (SPEC S6, S8, S9, S19).

Invariant: a transition (cancel, file) loads its call FOR UPDATE before checking its
state, and SQLite writers are serialised, so of concurrent identical requests exactly
one changes the call, writes its audit entry and its event; the others see the new
state and get 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.atomic import OneStatement, SessionUnit
from shared.auth import Actor, require_branch
from shared.claimed import BRANCH_APPROVERS, accept_claim
from shared.context import Context
from shared.events.intake import CallCancelled, CallFiled, CallRegistered
from shared.rules import RuleBroken

from .. import domain
from ..domain import sanbao
from ..domain.call_state import CallStatus, check_cancellable, check_fileable
from ..domain.reconciliation import late_at_registration, late_registration_reason
from ..models import Call, Customer, Product, ProductCover, WrittenCall
from ..schemas import CallIn
from .common import check_live_customer, load_call
from .sanbao import sanbao_table

_CUSTOMERS, _PRODUCTS = Customer.__table__, Product.__table__
_COVERS, _CALLS = ProductCover.__table__, Call.__table__


@dataclass(frozen=True)
class _Preloaded:
    """What ``_preload_file`` read: the customer's file as rows, and the call's number."""

    customer: SimpleNamespace | None
    product: SimpleNamespace | None
    covers: list[domain.Cover]
    next_id: int


@cache
def _preload_statement(postgres: bool) -> Any:
    """Built once per dialect, the ids bound per call: building it cost a twelfth of a
    call's CPU (issue 17)."""
    if postgres:  # the register number, drawn once (an InitPlan) however many covers
        next_id = select(func.nextval(func.pg_get_serial_sequence("calls", "id")))
    else:  # inside the writer's BEGIN IMMEDIATE: no other writer draws the same number
        next_id = select(func.coalesce(func.max(_CALLS.c.id), 0) + 1)
    return (
        select(
            _CUSTOMERS.c.id.label("customer_id"), _CUSTOMERS.c.branch, _CUSTOMERS.c.name,
            _CUSTOMERS.c.phone, _CUSTOMERS.c.address, _CUSTOMERS.c.district,
            _CUSTOMERS.c.email, _CUSTOMERS.c.language, _CUSTOMERS.c.merged_into,
            _PRODUCTS.c.id.label("product_id"), _PRODUCTS.c.model, _PRODUCTS.c.serial,
            _PRODUCTS.c.purchased_on, _PRODUCTS.c.warranty_ends_on,
            _PRODUCTS.c.category.label("product_category"),
            _COVERS.c.kind, _COVERS.c.starts_on, _COVERS.c.ends_on,
            next_id.scalar_subquery().label("next_id"),
        )
        .select_from(_CUSTOMERS)
        .outerjoin(_PRODUCTS, and_(_PRODUCTS.c.id == bindparam("product_id"),
                                   _PRODUCTS.c.customer_id == _CUSTOMERS.c.id))
        .outerjoin(_COVERS, _COVERS.c.product_id == _PRODUCTS.c.id)
        .where(_CUSTOMERS.c.id == bindparam("customer_id"))
        .order_by(_COVERS.c.id)
    )


async def _preload_file(unit: OneStatement | SessionUnit, data: CallIn) -> _Preloaded:
    """One round trip for what registering a call reads (issue 17): the customer, the
    product if it is in that customer's file, its covers, and the call's register number.
    A number drawn by a refused call is a gap in the sequence, as a rolled-back INSERT
    leaves."""
    rows = await unit.fetch(_preload_statement(unit.postgres), {
        "customer_id": data.customer_id, "product_id": data.product_id})
    if not rows:
        return _Preloaded(None, None, [], 0)
    first = rows[0]
    customer = SimpleNamespace(
        id=first["customer_id"], branch=first["branch"], name=first["name"],
        phone=first["phone"], address=first["address"], district=first["district"],
        email=first["email"], language=first["language"], merged_into=first["merged_into"])
    product = None if first["product_id"] is None else SimpleNamespace(
        id=first["product_id"], model=first["model"], serial=first["serial"],
        purchased_on=first["purchased_on"], warranty_ends_on=first["warranty_ends_on"],
        category=first["product_category"])
    covers = [domain.Cover(row["kind"], row["starts_on"], row["ends_on"])
              for row in rows if row["kind"] is not None]
    return _Preloaded(customer, product, covers, int(first["next_id"]))


_INSERT_CALL = insert(_CALLS)


_CALL_COLUMNS = tuple(column.key for column in _CALLS.columns)


async def register_call(ctx: Context, unit: OneStatement | SessionUnit, *, actor: Actor,
                        data: CallIn) -> WrittenCall:
    """SPEC S8/S6/S19: enter the call, issue its voucher, decide category and deadline
    (CT1: the claimed receipt time within the branch's window or with approval; S18: a
    call received before today is priority at once).

    ``unit`` is ``db.atomic()``'s: on PostgreSQL the call, its audit entry and its event
    go in as one statement (shared.atomic). Nothing here checks a state another
    transaction could change: the file is read, and only new rows are written.
    Returns the row as written (``WrittenCall``)."""
    preloaded = await _preload_file(unit, data)
    covers, next_id = preloaded.covers, preloaded.next_id
    customer = check_live_customer(preloaded.customer, data.customer_id, actor=actor,
                                   field="customer_id")
    product = preloaded.product
    if product is None:  # unknown, or in another customer's file
        raise RuleBroken(
            f"product {data.product_id} is not in customer {customer.id}'s file",
            field="product_id",
        )
    branch = ctx.branch(customer.branch)
    now = ctx.now()
    # SPEC CT1: a receipt in the future is a wrong clock; one older than the branch's desk
    # window needs a supervisor's or branch manager's reason, so the category (S6) and
    # the deadline (S19) are never decided for a date typed to suit.
    claim = accept_claim(
        data.received_at, now=now, window=branch.claim_windows.desk, field="received_at",
        actor_role=actor.role, actor_id=actor.user_id, reason=data.backdate_reason,
        approvers=BRANCH_APPROVERS, what="the call's receipt",
    )
    received_at = claim.at
    local_day = branch.local_date(received_at)
    category = domain.decide_category(  # SPEC S6, from the file as it is at the call
        on=local_day,
        warranty_ends=product.warranty_ends_on,
        covers=covers,
    )
    sla = domain.sla_class(  # SPEC S19, from the branch's district lists
        customer.district, suburban_districts=branch.suburban_districts)
    due = domain.arrival_due(branch.calendar, received_at, sla)
    # SPEC S18: received before today and only registered now, so it was not dispatched
    # on its day: priority from this moment, not from tomorrow's reconciliation.
    late = late_at_registration(received_on=local_day, today=branch.local_date(now))
    row: dict[str, Any] = dict.fromkeys(_CALL_COLUMNS)  # a column not set here is NULL
    row.update(
        branch=branch.code, customer_id=customer.id, product_id=product.id,
        customer_name=customer.name, phone=customer.phone, address=customer.address,
        district=customer.district, model=product.model,
        symptom=data.symptom, channel=data.channel, category=category.value,
        sla_class=sla.value, received_at=received_at, recorded_at=claim.received_at,
        backdate_reason=claim.backdate_reason,
        backdate_approved_by=claim.backdate_approved_by, register_date=local_day,
        arrival_due_at=due,
        arrival_due_provisional=domain.arrival_due_provisional(
            branch.calendar, received_at, due),
        status=CallStatus.REGISTERED.value, registered_at=now, registered_by=actor.user_id,
        priority=late, prioritised_at=now if late else None,
        priority_reason=late_registration_reason(local_day) if late else None,
    )
    # SPEC R2b: inside the category's return (or replace) window the law offers a refund
    # or a replacement, not only a repair; the answer says which and until when.
    offer = sanbao.offer(product.category, purchased_on=product.purchased_on, on=local_day,
                         table=sanbao_table())
    if offer is not None:
        row["sanbao_remedy"], row["sanbao_window_ends_on"] = (
            offer.remedy.value, offer.window_ends_on)
    # The register number was drawn with the preload, so the row goes in with its
    # voucher number in one INSERT: no flush, no second UPDATE (issue 17).
    row["id"], row["voucher_no"] = next_id, domain.voucher_no(branch.code, next_id)
    await unit.execute(_INSERT_CALL, row)
    call = WrittenCall(**row)
    await ctx.audit.record(
        unit, actor=actor, action="call.registered", subject_type="call",
        subject_id=call.id,
        detail={"voucher_no": call.voucher_no, "category": call.category,
                "sla_class": call.sla_class, "received_at": received_at.isoformat(),
                "recorded_at": now.isoformat(), "backdated": claim.backdated,
                "backdate_reason": claim.backdate_reason,
                "backdate_approved_by": claim.backdate_approved_by,
                "priority": call.priority,
                "arrival_due_provisional": call.arrival_due_provisional,
                "sanbao_remedy": call.sanbao_remedy},
    )
    await ctx.outbox.add(
        unit,
        CallRegistered(
            call_id=call.id, voucher_no=call.voucher_no, branch=call.branch,
            customer_id=customer.id, customer_name=customer.name, district=customer.district,
            product_id=product.id, model=product.model, serial=product.serial,
            symptom=call.symptom, category=call.category, sla_class=call.sla_class,
            received_at=call.received_at, arrival_due_at=call.arrival_due_at,
            registered_by=actor.user_id, recorded_at=now,
            backdate_approved_by=call.backdate_approved_by, priority=call.priority,
            arrival_due_provisional=call.arrival_due_provisional,
            customer_email=customer.email,
            customer_language=customer.language or ctx.branch(call.branch).language,
            customer_address=customer.address,
            correlation_id=call.voucher_no, occurred_at=now,
        ),
    )
    return call


async def get_call(session: AsyncSession, *, actor: Actor, call_id: int) -> Call:
    """One call of the register, within the caller's branch."""
    return await load_call(session, call_id, actor=actor)


async def register_of_day(
    ctx: Context, session: AsyncSession, *, actor: Actor, day: date, branch: str,
    after_id: int = 0, limit: int | None = None,
) -> list[Call]:
    """The day's repair-call register of one branch (local date of receipt; S8, S24),
    in register order, from after ``after_id``, at most ``limit`` lines."""
    ctx.branch(branch)
    require_branch(actor, branch)
    query = (select(Call)
             .where(Call.branch == branch, Call.register_date == day, Call.id > after_id)
             .order_by(Call.id))
    if limit is not None:
        query = query.limit(limit)
    return list(await session.scalars(query))


async def cancel_call(
    ctx: Context, session: AsyncSession, *, actor: Actor, call_id: int, reason: str
) -> Call:
    """Withdraw a call nobody is working on yet, with a reason; dispatch drops its voucher."""
    call = await load_call(session, call_id, actor=actor, lock=True)
    check_cancellable(call.status, reason)
    now = ctx.now()
    call.status = CallStatus.CANCELLED.value
    call.cancelled_at, call.cancelled_by, call.cancel_reason = now, actor.user_id, reason
    await ctx.audit.record(
        session, actor=actor, action="call.cancelled", subject_type="call",
        subject_id=call.id, detail={"reason": reason},
    )
    await ctx.outbox.add(session, CallCancelled(
        call_id=call.id, voucher_no=call.voucher_no or "", branch=call.branch, reason=reason,
        cancelled_by=actor.user_id, correlation_id=call.voucher_no, occurred_at=now,
    ))
    return call


async def file_call(ctx: Context, session: AsyncSession, *, actor: Actor,
                    call_id: int) -> Call:
    """SPEC S9: the clerk cancels (注銷) the completed call in the register, files the voucher."""
    call = await load_call(session, call_id, actor=actor, lock=True)
    check_fileable(call.status, call.filed_at)
    now = ctx.now()
    call.filed_at, call.filed_by = now, actor.user_id
    await ctx.audit.record(
        session, actor=actor, action="call.filed", subject_type="call", subject_id=call.id,
        detail={"voucher_no": call.voucher_no},
    )
    await ctx.outbox.add(session, CallFiled(
        call_id=call.id, voucher_no=call.voucher_no or "", branch=call.branch,
        filed_by=actor.user_id, filed_at=now, correlation_id=call.voucher_no, occurred_at=now,
    ))
    return call


# -- reads for the clerk's console (issue 12) ---------------------------------------------

@dataclass(frozen=True)
class CallReasons:
    """Why a call got its category (S6) and its arrival deadline (S19).

    ``cover`` is what decided the category: ``warranty`` (the maker's, C), ``contract`` or
    ``extended_warranty`` (B, with its ``cover_ref`` and ``cover_ends_on``), ``none``
    (A), or ``refused`` (A after billing refused the cover, E3: ``call.category_reason``).
    It is read from the file as it is now, on the call's register date; a cover
    withdrawn since leaves a B call with ``cover`` ``None`` (the category itself is fixed).
    """

    call: Call
    warranty_ends_on: date | None
    cover: str | None
    cover_ref: str | None
    cover_ends_on: date | None
    arrival_hours: int
    cover_pending: bool = False  # an extended warranty sold at a till, number to come


async def call_reasons(session: AsyncSession, *, actor: Actor, call_id: int) -> CallReasons:
    """The call with the reasons for its category and deadline, within the caller's branch."""
    call = await load_call(session, call_id, actor=actor)
    product = await session.get(Product, call.product_id)
    covers = [] if product is None else list(await session.scalars(
        select(ProductCover).where(ProductCover.product_id == product.id)
        .order_by(ProductCover.starts_on, ProductCover.id)
    ))
    warranty_ends = product.warranty_ends_on if product is not None else None
    cover: str | None = None
    ref: str | None = None
    ends: date | None = None
    pending = False
    if call.cover_refused_ref is not None:  # SPEC E3: the reason is on the call
        cover, ref = "refused", call.cover_refused_ref
    elif call.category == domain.ServiceCategory.C.value:
        cover, ends = "warranty", warranty_ends
    elif call.category == domain.ServiceCategory.B.value:
        deciding = next((c for c in covers if domain.Cover(c.kind, c.starts_on, c.ends_on)
                         .covers(call.register_date)), None)
        if deciding is not None:
            cover, ref, ends = deciding.kind, deciding.ref, deciding.ends_on
            pending = deciding.pending
    elif call.category == domain.ServiceCategory.A.value:
        cover = "none"
    hours = domain.ARRIVAL_HOURS[domain.SlaClass(call.sla_class)]
    return CallReasons(call, warranty_ends, cover, ref, ends, hours, pending)
