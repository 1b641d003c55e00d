"""The register's use cases on the in-memory unit of work (SPEC S6, S8, S9, S19)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.intake.models import Call, plumbing
from services.intake.schemas import CallIn
from services.intake.service import calls
from shared.auth import Actor
from shared.rules import Forbidden, RuleBroken, WrongState
from tests.intake.support import CLERK_ACTOR, at, file_with_product, unit


async def _audit(db, action: str) -> int:
    table = plumbing.audit_log
    async with db.reading() as session:
        return await session.scalar(
            select(func.count()).select_from(table).where(table.c.action == action))


async def test_s8_s6_s19_registering_a_call_issues_voucher_category_deadline_once() -> None:
    async with unit("2026-03-16T10:00:00+08:00") as (ctx, outbox, db):  # Monday
        customer_id, product_id = await file_with_product(ctx, db, district="Qingpu",
                                                          purchased_on="2026-01-10")
        async with db.atomic() as session:
            call = await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=CallIn(
                customer_id=customer_id, product_id=product_id, symptom="no picture"))
        assert call.voucher_no == f"SC01-V{call.id:06d}"
        assert call.category == "C"  # SPEC S6: inside the maker's warranty
        assert call.sla_class == "suburban"  # SPEC S19: Qingpu is on SC01's suburban list
        assert call.arrival_due_at == at("2026-03-16T18:00:00+08:00")  # 10:00 + 7 h, lunch
        assert call.phone == "+8613800000001" and call.register_date.isoformat() == "2026-03-16"
        assert outbox.types() == ["intake.call.registered.v1"]
        assert outbox.committed[0].voucher_no == call.voucher_no  # type: ignore[attr-defined]
        assert await _audit(db, "call.registered") == 1


async def test_a_call_received_in_the_future_or_for_another_branch_is_refused() -> None:
    async with unit("2026-03-16T10:00:00+08:00") as (ctx, outbox, db):
        customer_id, product_id = await file_with_product(ctx, db)
        data = CallIn(customer_id=customer_id, product_id=product_id, symptom="x",
                      received_at=at("2026-03-16T10:06:00+08:00"))
        with pytest.raises(RuleBroken) as refused:
            async with db.atomic() as session:
                await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=data)
        assert refused.value.field == "received_at"
        other = Actor(user_id="C21", role="clerk", branch="SC02")
        with pytest.raises(Forbidden):
            async with db.atomic() as session:
                await calls.register_call(ctx, session, actor=other, data=data.model_copy(
                    update={"received_at": None}))
        assert outbox.types() == [] and await _audit(db, "call.registered") == 0


async def test_s9_a_call_is_cancelled_once() -> None:
    async with unit() as (ctx, outbox, db):
        customer_id, product_id = await file_with_product(ctx, db)
        async with db.atomic() as session:
            call = await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=CallIn(
                customer_id=customer_id, product_id=product_id, symptom="x"))
        async with db.transaction() as session:
            await calls.cancel_call(ctx, session, actor=CLERK_ACTOR, call_id=call.id,
                                    reason="duplicate")
        with pytest.raises(WrongState):
            async with db.transaction() as session:
                await calls.cancel_call(ctx, session, actor=CLERK_ACTOR, call_id=call.id,
                                        reason="again")
        async with db.reading() as session:
            assert (await session.get_one(Call, call.id)).status == "cancelled"
        assert outbox.types() == ["intake.call.registered.v1", "intake.call.cancelled.v1"]
        assert await _audit(db, "call.cancelled") == 1
