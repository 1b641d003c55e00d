"""POSLog documents as stores send them (issue 15, SPEC §7), on the in-memory unit of
work: per-transaction answers, applied once, anonymous sales claimed by serial."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.intake.models import PosReject, PosTransaction, Product
from services.intake.service import pos_claims, pos_log
from shared.auth import Actor
from shared.rules import NotFound
from shared.stores import load_stores
from shared.webhooks import sign
from tests.intake.support import CLERK_ACTOR, file_with_product, unit

FIXTURES = Path(__file__).parents[2] / "fixtures" / "poslog"
STORE = load_stores()["ST01"]
POS = Actor(user_id="ST01", role="pos", branch="SC01")
NOW = "2026-11-21T10:00:00+08:00"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _signed(body: bytes) -> dict[str, str]:
    return sign(STORE.secret, msg_id="m-1", body=body, at=datetime.now(UTC))


async def _send(ctx, db, body: bytes):
    return await pos_log.receive_poslog(ctx, db.transaction, actor=POS, body=body,
                                        headers=_signed(body))


async def _count(db, model) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_pos_long_log_is_answered_per_transaction_and_resent_without_change() -> None:
    async with unit(NOW) as (ctx, outbox, db):
        body = fixture("long-controls-voids-negative.xml")
        first = await _send(ctx, db, body)
        assert first.status_code == 201 and len(first.body) == 9
        assert first.summary == {"registered": 3, "skipped": 6}
        assert [a["status"] for a in first.body].count("registered") == 3
        again = await _send(ctx, db, body)
        assert again.status_code == 200 and again.summary == {"replay": 3, "skipped": 6}
        for a, b in zip(first.body, again.body, strict=True):
            assert {**a, "status": None} == {**b, "status": None}
        assert await _count(db, PosTransaction) == 3
        assert await _count(db, Product) == 3  # TV55-0003, TV65-0004, AC1P-0008
        assert outbox.types().count("intake.pos_sale.registered.v1") == 3


async def test_pos_same_sequence_on_two_business_days_registers_both() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        answer = await _send(ctx, db, fixture("same-sequence-two-days.xml"))
        assert [a["status"] for a in answer.body] == ["registered", "registered"]
        assert await _count(db, Product) == 2


@pytest.mark.parametrize("name", ["gbk-declared.xml", "kiosk-latin1.xml",
                                  "v6-web-order-chinese.xml", "ncr-2.1-two-transactions.xml"])
async def test_pos_declared_encodings_and_versions_are_registered(name: str) -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        answer = await _send(ctx, db, fixture(name))
        assert answer.status_code == 201, answer.body
        assert "registered" in [a["status"] for a in answer.body]
        assert await _count(db, PosReject) == 0


async def test_pos_a_bad_transaction_is_refused_alone_and_kept() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        body = fixture("same-sequence-two-days.xml").replace(
            b"2026-11-20T09:00:00", b"2026-11-29T09:00:00")  # in the future
        answer = await _send(ctx, db, body)
        assert [a["status"] for a in answer.body] == ["registered", "refused"]
        assert answer.body[1]["field"] == "occurred_at"
        assert await _count(db, PosReject) == 1


async def test_pos_not_poslog_is_refused_whole() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        answer = await _send(ctx, db, b"<Invoice/>")
        assert (answer.status_code, answer.body["field"]) == (422, "body")


async def test_pos_anonymous_sale_is_claimed_by_the_first_caller_with_its_serial() -> None:
    async with unit(NOW) as (ctx, _outbox, db):
        [answer] = (await _send(ctx, db, fixture("anonymous-sale.xml"))).body
        assert answer["status"] == "registered" and answer["anonymous"] is True
        [product] = answer["products"]
        assert product["warranty_ends_on"] == "2027-11-19"
        customer_id, _ = await file_with_product(ctx, db, phone="13800000077")
        async with db.transaction() as session:
            claimed = await pos_claims.claim_product(ctx, session, actor=CLERK_ACTOR,
                                                     customer_id=customer_id,
                                                     serial="MW20-ANON-12")
            assert (claimed.id, claimed.customer_id) == (product["product_id"], customer_id)
        async with db.transaction() as session:  # claimed once: no longer anonymous
            with pytest.raises(NotFound):
                await pos_claims.claim_product(ctx, session, actor=CLERK_ACTOR,
                                               customer_id=customer_id,
                                               serial="MW20-ANON-12")


def _transaction(kind: str, seq: int, day: int) -> str:
    head = (f"<Transaction><RetailStoreID>ST01</RetailStoreID><WorkstationID>9</WorkstationID>"
            f"<SequenceNumber>{seq}</SequenceNumber>"
            f"<BusinessDayDate>2026-11-{day:02d}</BusinessDayDate>"
            f"<EndDateTime>2026-11-{day:02d}T09:00:00</EndDateTime>")
    line = {
        "sale": f"<LineItem><Sale><ItemID>M</ItemID><SerialNumber>S{seq}-{day}</SerialNumber>"
                "<ExtendedAmount>10.00</ExtendedAmount></Sale></LineItem>",
        "void": "<LineItem VoidFlag=\"true\"><Sale><ItemID>V</ItemID></Sale></LineItem>",
        "negative": "<LineItem><Sale><ItemID>N</ItemID><SerialNumber>N1</SerialNumber>"
                    "<Quantity>-1</Quantity><ExtendedAmount>-5.00</ExtendedAmount></Sale>"
                    "</LineItem>",
        "freight": "<LineItem><Sale><ItemID>F</ItemID><ExtendedAmount>1.00</ExtendedAmount>"
                   "</Sale></LineItem>",
    }
    if kind == "control":
        return head + "<ControlTransaction><OperatorSignOn/></ControlTransaction></Transaction>"
    customer = ("<Customer><Name>P</Name><TelephoneNumber>13700000099</TelephoneNumber>"
                "</Customer>") if seq % 2 else ""
    return head + f"<RetailTransaction>{line[kind]}{customer}</RetailTransaction></Transaction>"


transactions = st.lists(
    st.tuples(st.sampled_from(["sale", "void", "negative", "freight", "control"]),
              st.integers(1, 5), st.integers(18, 20)),
    max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mix=transactions, resends=st.integers(1, 3))
async def test_pos_any_mix_is_answered_without_5xx_and_each_sale_applied_once(
    mix: list[tuple[str, int, int]], resends: int,
) -> None:
    body = ("<POSLog>" + "".join(_transaction(*t) for t in mix) + "</POSLog>").encode()
    sales = {(seq, day) for kind, seq, day in mix if kind == "sale"}
    async with unit(NOW) as (ctx, _outbox, db):
        for _ in range(resends):
            answer = await _send(ctx, db, body)
            assert answer.status_code < 500 and len(answer.body) == len(mix)
            assert all(a["status"] in ("registered", "replay", "skipped") for a in answer.body)
        assert await _count(db, PosTransaction) == len(sales)
        assert await _count(db, Product) == len(sales)
