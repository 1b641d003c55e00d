"""The board fed by intake and billing events, in the service layer (SPEC S8, S18, S20),
with shared.testing fakes: creating a line is idempotent."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from services.dispatch.models import Voucher
from services.dispatch.service import board
from shared.events.billing import ContractExpiring
from shared.events.intake import CallPrioritised, CallRegistered
from shared.rules import NotFound
from tests.dispatch.support import at, audit_rows, unit

NOON = at("2026-03-16T12:00:00+08:00")
NO = "SC01-V000001"


def _registered() -> CallRegistered:
    return CallRegistered(
        call_id=1, voucher_no=NO, branch="SC01", customer_id=1, customer_name="Wu Mei",
        district="Huangpu", product_id=1, model="TV-55Q", serial="SN1", symptom="no picture",
        category="A", sla_class="urban", received_at=at("2026-03-16T10:00:00+08:00"),
        arrival_due_at=at("2026-03-16T17:00:00+08:00"), registered_by="C01")


async def test_s8_a_registered_call_puts_one_voucher_on_the_board_however_often_told() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        for _ in range(2):
            async with db.transaction() as session:
                await board.voucher_issued(ctx, session, _registered())
        async with db.reading() as session:
            assert await session.scalar(select(func.count()).select_from(Voucher)) == 1
            assert await audit_rows(session) == [("voucher.issued", NO)]
        assert outbox.committed == []


async def test_s18_prioritisation_before_its_voucher_is_retried_later() -> None:
    async with unit(NOON) as (ctx, _outbox, db):
        prioritised = CallPrioritised(call_id=1, voucher_no=NO, branch="SC01", reason="S18")
        with pytest.raises(NotFound):
            async with db.transaction() as session:
                await board.call_prioritised(ctx, session, prioritised)
        async with db.transaction() as session:
            await board.voucher_issued(ctx, session, _registered())
        async with db.transaction() as session:
            await board.call_prioritised(ctx, session, prioritised)
        async with db.reading() as session:
            voucher = await session.get(Voucher, NO)
            assert voucher is not None and voucher.priority and voucher.prioritised_at == NOON


async def test_s20_one_renewal_line_per_contract() -> None:
    async with unit(NOON) as (ctx, _outbox, db):
        notice = dict(contract_no="MC0042", branch="SC01", customer_id=7, product_id=9,
                      ends_on=date(2026, 4, 16))
        for _ in range(2):
            async with db.transaction() as session:
                await board.contract_expiring(ctx, session, ContractExpiring(**notice))
        async with db.reading() as session:
            line = await session.get(Voucher, "SC01-RMC0042")
            assert line is not None and (line.kind, line.category) == ("renewal", "B")
            assert line.arrival_due_at == at("2026-04-16T00:00:00+08:00")
            assert await audit_rows(session) == [("renewal_visit.issued", "SC01-RMC0042")]
