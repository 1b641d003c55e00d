"""三包 at call registration (SPEC R2b): inside the return window the call offers a refund
or a replacement, not only a repair; a product without a category gets no offer."""

from __future__ import annotations

from datetime import date

from services.intake.schemas import CallIn, CustomerIn, ProductIn
from services.intake.service import calls, customers
from tests.intake.support import CLERK_ACTOR, unit

MONDAY = "2026-03-16T10:00:00+08:00"


async def _call(ctx, db, *, purchased_on: str, category: str | None, phone: str):
    async with db.transaction() as session:
        customer, _ = await customers.register_customer(ctx, session, actor=CLERK_ACTOR,
                                                        data=CustomerIn(
            name="Wu Mei", phone=phone, address="88 Huaihai Rd", district="Huangpu",
            branch="SC01"))
        product = await customers.register_product(ctx, session, actor=CLERK_ACTOR,
                                                   data=ProductIn(
            customer_id=customer.id, model="TV-55Q", serial=f"SN-{phone}",
            purchased_on=purchased_on, warranty_months=12,  # type: ignore[arg-type]
            category=category))
    async with db.atomic() as session:
        return await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=CallIn(
            customer_id=customer.id, product_id=product.id, symptom="no picture"))


async def test_r2b_sanbao_call_inside_the_return_window_offers_a_refund() -> None:
    async with unit(MONDAY) as (ctx, _outbox, db):
        call = await _call(ctx, db, purchased_on="2026-03-12", category="TV", phone="13800000011")
        assert (call.sanbao_remedy, call.sanbao_window_ends_on) == ("return", date(2026, 3, 19))


async def test_r2b_sanbao_call_inside_the_replace_window_offers_a_replacement() -> None:
    async with unit(MONDAY) as (ctx, _outbox, db):
        call = await _call(ctx, db, purchased_on="2026-03-05", category="tv", phone="13800000012")
        assert (call.sanbao_remedy, call.sanbao_window_ends_on) == ("replace", date(2026, 3, 20))


async def test_r2b_sanbao_later_calls_offer_repair_and_unknown_category_nothing() -> None:
    async with unit(MONDAY) as (ctx, _outbox, db):
        repair = await _call(ctx, db, purchased_on="2025-12-01", category="tv",
                             phone="13800000013")
        assert (repair.sanbao_remedy, repair.sanbao_window_ends_on) == (
            "repair", date(2026, 11, 30))
        for n, category in ((14, None), (15, "drone")):
            none = await _call(ctx, db, purchased_on="2026-03-15", category=category,
                               phone=f"138000000{n}")
            assert (none.sanbao_remedy, none.sanbao_window_ends_on) == (None, None)
