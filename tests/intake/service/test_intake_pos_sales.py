"""POS messages on the in-memory unit of work (SPEC §7): signed, applied once, refusals
kept small (issue 11)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from services.intake.models import Customer, PosReject, PosTransaction, Product
from services.intake.service import pos, pos_log
from shared.auth import Actor
from shared.stores import load_stores
from shared.webhooks import sign
from tests.intake.support import unit

STORE = load_stores()["ST01"]
POS = Actor(user_id="ST01", role="pos", branch="SC01")
NOW = "2026-11-21T10:00:00+08:00"


def _sale(txn: str = "T-1", **over: object) -> bytes:
    return json.dumps({
        "store_id": "ST01", "transaction_id": txn, "type": "sale",
        "occurred_at": "2026-11-20T10:00:00+08:00",
        "customer": {"name": "Lin Fang", "phone": "137 0000 0001", "address": "1 Nanjing Rd",
                     "district": "Huangpu"},
        "product": {"model": "TV-65X", "serial": "TV65X-1", "price": "6000.00",
                    "warranty_months": 12},
        "extended_warranty": {"years": 3}, **over,
    }).encode()


def _signed(body: bytes) -> dict[str, str]:
    # the signature's freshness is judged by the wall clock (standardwebhooks)
    return sign(STORE.secret, msg_id="m-1", body=body, at=datetime.now(UTC))


async def _count(db, model) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_pos_sale_registers_customer_and_product_once() -> None:
    async with unit(NOW) as (ctx, outbox, db):
        body = _sale()
        first = await pos.receive(ctx, db.transaction, actor=POS, body=body,
                                  headers=_signed(body))
        again = await pos.receive(ctx, db.transaction, actor=POS, body=body,
                                  headers=_signed(body))
        assert first.status_code == 201 and not first.replayed
        assert again.replayed and again.body == first.body
        assert first.body["products"][0]["warranty_ends_on"] == "2027-11-19"
        assert outbox.types() == ["intake.pos_sale.registered.v1"]
        assert outbox.committed[0].price == "6000.00"  # type: ignore[attr-defined]
        assert [await _count(db, m) for m in (Customer, Product, PosTransaction)] == [1, 1, 1]
        async with db.reading() as session:
            assert (await session.scalar(select(Customer.phone))) == "+8613700000001"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (_sale(occurred_at="2026-11-22T10:00:00+08:00"), 422, "occurred_at"),
        (_sale(occurred_at="1999-12-31T10:00:00+08:00"), 422, "occurred_at"),
        (_sale(product={"model": "M", "serial": "S", "price": 6000.5}), 422, "items.0.price"),
        (_sale(customer={"name": "L\x00", "phone": "13700000001", "address": "a",
                         "district": "Huangpu"}), 422, "customer.name"),
        (_sale(customer={"name": "L", "phone": "12345", "address": "a",
                         "district": "Huangpu"}), 422, "customer.phone"),
        (_sale(store_id="ST02"), 403, "store_id"),
        (b"[" * 100_000, 400, "body"),
    ],
    ids=["future", "before-2000", "float-price", "nul-in-name", "bad-phone", "other-store",
         "deep-json"],
)
async def test_a_refused_message_changes_nothing_and_is_kept(body, status, field) -> None:
    async with unit(NOW) as (ctx, outbox, db):
        answer = await pos.receive(ctx, db.transaction, actor=POS, body=body,
                                   headers=_signed(body))
        assert (answer.status_code, answer.body["field"]) == (status, field)
        assert outbox.types() == [] and await _count(db, Customer) == 0
        assert await _count(db, PosReject) == 1


async def test_an_unsigned_body_is_refused_before_it_is_read_and_kept_in_4_kb() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        junk = b"\x00<Sale>" * 100_000  # not even looked at: the signature comes first
        answer = await pos_log.receive_poslog(ctx, db.transaction, actor=POS, body=junk,
                                              headers={"webhook-id": "x"})
        assert (answer.status_code, answer.body["field"]) == (401, "webhook-signature")
        async with db.reading() as session:
            kept = await session.scalar(select(PosReject))
        assert kept is not None and kept.size == len(junk) and kept.truncated
        assert len(kept.body.encode()) <= 4096 * 3 and "\x00" not in kept.body
        assert len(kept.sha256) == 64 and kept.store_id == "ST01"


async def test_a_pos_token_of_no_configured_store_is_refused() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        body = _sale()
        stranger = Actor(user_id="ST99", role="pos", branch="SC01")
        answer = await pos.receive(ctx, db.transaction, actor=stranger, body=body,
                                   headers=_signed(body))
        assert (answer.status_code, answer.body["field"]) == (403, "sub")
        other_branch = Actor(user_id="ST01", role="pos", branch="SC02")
        answer = await pos.receive(ctx, db.transaction, actor=other_branch, body=body,
                                   headers=_signed(body))
        assert answer.status_code == 403
        assert await _count(db, Customer) == 0
