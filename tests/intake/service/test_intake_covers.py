"""What covers a product and what that decides for a call (SPEC S6, E1, E3), on the
in-memory unit of work: the extended warranty a sale carried, billing's number attached
to it, and billing's refusal of the cover."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from services.intake.models import Call, Product, ProductCover, plumbing
from services.intake.schemas import CallIn
from services.intake.service import calls, covers, pos
from shared.auth import Actor
from shared.events.billing import CoverGranted, CoverRefused
from shared.stores import load_stores
from shared.webhooks import sign
from tests.intake.support import CLERK_ACTOR, file_with_product, unit

STORE = load_stores()["ST01"]
POS = Actor(user_id="ST01", role="pos", branch="SC01")
NOW = "2026-11-21T10:00:00+08:00"


def _sale(txn: str, years: int | None = 3) -> bytes:
    # Sold two years ago with a 12-month maker's warranty: today only the extended
    # warranty can cover it.
    product = {"model": "TV-65X", "serial": f"SN-{txn}", "price": "6000.00",
               "warranty_months": 12}
    if years:
        product["extended_warranty_years"] = years
    return json.dumps({
        "store_id": "ST01", "transaction_id": txn, "type": "sale",
        "occurred_at": "2024-11-20T10:00:00+08:00",
        "customer": {"name": "Lin Fang", "phone": "13700000001", "address": "1 Nanjing Rd",
                     "district": "Huangpu"},
        "items": [product],
    }).encode()


async def _sell(ctx, db, txn: str, years: int | None = 3) -> tuple[int, int]:
    body = _sale(txn, years)
    answer = await pos.receive(ctx, db.transaction, actor=POS, body=body, headers=sign(
        STORE.secret, msg_id=f"m-{txn}", body=body, at=datetime.now(UTC)))
    assert answer.status_code == 201, answer.body
    return answer.body["customer_id"], answer.body["products"][0]["product_id"]


async def _call(ctx, db, customer_id: int, product_id: int) -> Call:
    async with db.atomic() as session:
        return await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=CallIn(
            customer_id=customer_id, product_id=product_id, symptom="no power"))


async def _covers(db) -> list[ProductCover]:
    async with db.reading() as session:
        return list(await session.scalars(select(ProductCover).order_by(ProductCover.id)))


def _granted(product_id: int, ref: str = "EW-000001") -> CoverGranted:
    return CoverGranted(kind="extended_warranty", ref=ref, branch="SC01", customer_id=1,
                        product_id=product_id, starts_on=date(2025, 11, 20),
                        ends_on=date(2028, 11, 19))


async def test_s6_a_call_right_after_a_sale_with_extended_warranty_is_b() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        customer_id, product_id = await _sell(ctx, db, "T-1")
        # no CoverGranted from billing yet: the sale itself is enough (SPEC S6, E1)
        [cover] = await _covers(db)
        assert (cover.kind, cover.ref, cover.pending) == ("extended_warranty", None, True)
        assert (cover.starts_on, cover.ends_on) == (date(2025, 11, 20), date(2028, 11, 19))
        assert cover.source == "pos:ST01:T-1"
        call = await _call(ctx, db, customer_id, product_id)
        assert call.category == "B"
        why = await _reasons(db, call.id)
        assert (why.cover, why.cover_pending, why.cover_ref) == ("extended_warranty", True, None)
        plain_customer, plain = await _sell(ctx, db, "T-2", years=None)
        assert (await _call(ctx, db, plain_customer, plain)).category == "A"
        assert len(await _covers(db)) == 1


async def _reasons(db, call_id: int) -> calls.CallReasons:
    async with db.reading() as session:
        return await calls.call_reasons(session, actor=CLERK_ACTOR, call_id=call_id)


async def test_s6_billings_cover_granted_attaches_its_number_to_the_sales_cover() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        _customer_id, product_id = await _sell(ctx, db, "T-1")
        grant = _granted(product_id)
        for _ in range(2):  # redelivered: still one cover
            async with db.transaction() as session:
                await covers.cover_granted(ctx, session, grant)
        [cover] = await _covers(db)
        assert (cover.ref, cover.pending, cover.source) == ("EW-000001", False, "pos:ST01:T-1")
        assert cover.granted_at is not None


async def test_s6_a_cover_granted_before_the_sale_is_recorded_is_not_doubled() -> None:
    # Order-independent: billing's number first, then the sale's cover for that product.
    async with unit(NOW) as (ctx, _outbox, db):
        _customer_id, product_id = await file_with_product(ctx, db, purchased_on="2024-11-20")
        async with db.transaction() as session:
            await covers.cover_granted(ctx, session, _granted(product_id))
        async with db.transaction() as session:
            product = await session.get_one(Product, product_id)
            kept = await covers.sold_with_extended_warranty(
                ctx, session, actor=CLERK_ACTOR, product=product, years=3, source="pos:x")
        assert kept.ref == "EW-000001"
        [cover] = await _covers(db)
        assert cover.ref == "EW-000001"


def _refused(call: Call, reason: str = "misuse") -> CoverRefused:
    return CoverRefused(voucher_no=call.voucher_no or "", call_id=call.id, branch="SC01",
                        ref="EW-000001", reason=reason)


async def test_e3_a_refused_cover_makes_the_call_a_with_its_reason_once() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        customer_id, product_id = await _sell(ctx, db, "T-1")
        call = await _call(ctx, db, customer_id, product_id)
        assert call.category == "B"
        refusal = _refused(call)
        for _ in range(2):  # the same refusal twice changes the call once
            async with db.transaction() as session:
                await covers.cover_refused(ctx, session, refusal)
        async with db.reading() as session:
            after = await session.get_one(Call, call.id)
        assert (after.category, after.category_reason, after.category_before) == (
            "A", "misuse", "B")
        assert after.cover_refused_ref == "EW-000001" and after.category_changed_at
        why = await _reasons(db, call.id)
        assert (why.cover, why.cover_ref) == ("refused", "EW-000001")
        table = plumbing.audit_log
        async with db.reading() as session:
            applied = list(await session.scalars(
                select(table.c.detail).where(table.c.action == "call.cover_refused")))
        assert [d["applied"] for d in applied] == [True, False]
        async with db.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Call)) == 1
