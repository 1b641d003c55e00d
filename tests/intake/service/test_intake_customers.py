"""The customer file's use cases on the in-memory unit of work (SPEC §1, issue 11)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from services.intake.models import Customer, plumbing
from services.intake.schemas import CustomerIn, ProductIn
from services.intake.service import customers
from shared.rules import RuleBroken
from tests.intake.support import CLERK_ACTOR, unit


def _customer(phone: str, **over: str) -> CustomerIn:
    return CustomerIn(**{"name": "Wu Mei", "phone": phone, "address": "88 Huaihai Rd",
                         "district": "Huangpu", "branch": "SC01", **over})


async def test_a_customer_is_created_with_the_phone_in_e164_and_one_audit_entry() -> None:
    async with unit() as (ctx, outbox, db):
        async with db.transaction() as session:
            customer, created = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR, data=_customer("134 5292 8970"))
        assert created and customer.phone == "+8613452928970"
        table = plumbing.audit_log
        async with db.reading() as session:
            rows = (await session.execute(select(table))).all()
        assert [(r.action, r.subject_id, r.actor_id) for r in rows] == [
            ("customer.created", str(customer.id), "C01")]
        assert outbox.types() == []


async def test_one_number_written_two_ways_is_one_customer() -> None:
    async with unit() as (ctx, _outbox, db):
        async with db.transaction() as session:
            first, created = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR, data=_customer("+8613452928970"))
        async with db.transaction() as session:
            again, created_again = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR, data=_customer("13452928970", name="Wu"))
        assert (created, created_again) == (True, False) and again.id == first.id
        async with db.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Customer)) == 1


async def test_an_invalid_phone_is_refused_naming_it() -> None:
    async with unit() as (ctx, _outbox, db):
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await customers.register_customer(ctx, session, actor=CLERK_ACTOR,
                                                  data=_customer("12345"))
        assert refused.value.field == "phone"


async def test_a_product_bought_after_the_branch_today_is_refused() -> None:
    async with unit("2026-03-16T23:30:00+08:00") as (ctx, _outbox, db):  # 15:30 UTC
        async with db.transaction() as session:
            customer, _ = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR, data=_customer("13800000001"))
            # the branch's today is already 03-16 (UTC is still 03-16 too); 03-17 is ahead
            await customers.register_product(ctx, session, actor=CLERK_ACTOR, data=ProductIn(
                customer_id=customer.id, model="M", serial="S1",
                purchased_on=date(2026, 3, 16), warranty_months=12))
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await customers.register_product(ctx, session, actor=CLERK_ACTOR,
                                                 data=ProductIn(
                    customer_id=customer.id, model="M", serial="S2",
                    purchased_on=date(2026, 3, 17), warranty_months=12))
        assert refused.value.field == "purchased_on"
