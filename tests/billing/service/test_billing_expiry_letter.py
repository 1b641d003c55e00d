"""SPEC S20 with issue 14 on billing's service layer (fakes, SQLite in memory): the
expiry notice falling due queues exactly one letter to the contract holder in the same
transaction, to the e-mail intake's events carried (else a postal letter), in the
holder's language (else the branch's); the latest contact wins; a rollback leaves none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from services.billing.models import Base, Contract, CustomerContact, ExpiryNotice, plumbing
from services.billing.service import contracts, holders
from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database
from shared.events.intake import CallRegistered, PosSaleRegistered
from shared.letters import Letter
from shared.testing import fake_context, memory_database

from ..support import START

ACCOUNTANT = Actor(user_id="A01", role="accountant", branch="SC01")


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    async with memory_database(Base.metadata) as database:
        yield database


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ctx(clock: FixedClock) -> Any:
    return fake_context(plumbing, clock=clock, service="billing")[0]


def _call(customer_id: int, *, at: datetime, email: str | None, language: str | None,
          name: str = "Wu Mei") -> CallRegistered:
    return CallRegistered(
        call_id=customer_id * 10, voucher_no=f"SC01-V{customer_id:06d}", branch="SC01",
        customer_id=customer_id, customer_name=name, district="Xuhui", product_id=1,
        model="TV-55", serial="S1", symptom="no picture", category="B", sla_class="urban",
        received_at=at, arrival_due_at=at, registered_by="C01", occurred_at=at,
        customer_email=email, customer_language=language, customer_address="1 Bund Rd")


async def _contract(db: Database, ctx: Any, customer_id: int) -> Contract:
    today = ctx.branch("SC01").local_date(ctx.now())
    async with db.transaction() as session:
        return await contracts.open_contract(
            ctx, session, actor=ACCOUNTANT, branch="SC01", customer_id=customer_id,
            product_id=customer_id, starts_on=today, ends_on=today + timedelta(days=60),
            fee=Decimal("0"))


async def _fire(db: Database, ctx: Any, clock: FixedClock, contract: Contract) -> int:
    clock.advance(contract.notice_due_at - clock.now() + timedelta(minutes=1))
    async with db.transaction() as session:
        return await contracts.send_due_notices(ctx, session, clock.now())


async def _letters(db: Database, ctx: Any) -> list[Letter]:
    async with db.reading() as session:
        return await ctx.letters.listing(session, branch=None)


async def test_s20_due_notice_queues_one_email_letter_in_the_holders_language(
    db: Database, ctx: Any, clock: FixedClock,
) -> None:
    async with db.transaction() as session:
        await holders.from_call(ctx, session, _call(7, at=START, email="wu.mei@example.com",
                                                    language="en"))
    contract = await _contract(db, ctx, 7)
    assert await _letters(db, ctx) == []  # nothing until the notice falls due
    assert await _fire(db, ctx, clock, contract) == 1
    (letter,) = await _letters(db, ctx)
    assert (letter.kind, letter.ref, letter.status, letter.to_email, letter.language,
            letter.to_name, letter.to_postal, letter.branch) == (
        "expiry_notice", contract.contract_no, "pending", "wu.mei@example.com", "en",
        "Wu Mei", "1 Bund Rd", "SC01")
    assert contract.contract_no in letter.subject
    assert contract.ends_on.isoformat() in letter.text and "renew" in letter.text
    # the watcher again: the notice is stamped, no second letter
    async with db.transaction() as session:
        assert await contracts.send_due_notices(ctx, session, clock.now()) == 0
    assert len(await _letters(db, ctx)) == 1


async def test_s20_without_email_the_notice_is_postal_in_the_branch_language(
    db: Database, ctx: Any, clock: FixedClock,
) -> None:
    async with db.transaction() as session:
        await holders.from_call(ctx, session, _call(8, at=START, email=None, language=None))
    contract = await _contract(db, ctx, 8)
    await _fire(db, ctx, clock, contract)
    (letter,) = await _letters(db, ctx)
    assert (letter.status, letter.to_email, letter.language, letter.to_postal) == (
        "postal", None, "zh-Hans", "1 Bund Rd")
    assert "保养合约" in letter.text


async def test_s20_latest_contact_wins_whatever_the_order_events_arrive_in(
    db: Database, ctx: Any,
) -> None:
    later = START + timedelta(days=3)
    async with db.transaction() as session:
        await holders.from_call(ctx, session, _call(9, at=later, email="new@example.com",
                                                    language="zh-Hant"))
        await holders.from_call(ctx, session, _call(9, at=START, email="old@example.com",
                                                    language="en"))  # late redelivery
        sale = PosSaleRegistered(
            store_id="ST01", transaction_id="T1", branch="SC01", customer_id=9, product_id=2,
            model="TV", serial="S2", price="100.00", sold_on=date(2026, 1, 1),
            warranty_ends_on=date(2027, 1, 1), occurred_at=START)  # anonymous: no contact
        await holders.from_pos_sale(ctx, session, sale)
    async with db.reading() as session:
        known = await session.get(CustomerContact, 9)
    assert known is not None
    assert (known.email, known.language) == ("new@example.com", "zh-Hant")


async def test_s20_a_rolled_back_watcher_run_leaves_neither_notice_nor_letter(
    db: Database, ctx: Any, clock: FixedClock,
) -> None:
    contract = await _contract(db, ctx, 10)  # no contact known: the name falls back
    clock.advance(contract.notice_due_at - clock.now() + timedelta(minutes=1))

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.transaction() as session:
            assert await contracts.send_due_notices(ctx, session, clock.now()) == 1
            raise Boom
    assert await _letters(db, ctx) == []
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(ExpiryNotice)) == 0
    async with db.transaction() as session:
        assert await contracts.send_due_notices(ctx, session, clock.now()) == 1
    (letter,) = await _letters(db, ctx)
    assert (letter.status, letter.to_name, letter.to_postal) == ("postal", "#10", None)
