"""Carry-in and the repair card in the service layer (SPEC S11, S12, S13), with
shared.testing fakes (no servers)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.dispatch.domain.board import VoucherStatus
from services.dispatch.models import RepairCard, Signature, Voucher, WorkshopEntry
from services.dispatch.schemas import PartIn
from services.dispatch.service import workshop
from shared.auth import Actor
from shared.rules import RuleBroken, WrongState
from tests.dispatch.support import at, audit_rows, unit, voucher

NOON = at("2026-03-16T12:00:00+08:00")
T01 = Actor(user_id="T01", role="technician", branch="SC01")
S01 = Actor(user_id="S01", role="supervisor", branch="SC01")
NO = "SC01-V000001"


async def test_s11_carry_in_issues_receipt_and_card_numbers_signatures_and_one_event() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="C"))
        async with db.transaction() as session:
            card = await workshop.carry_in(ctx, session, actor=T01, voucher_no=NO,
                                           promised_on=date(2026, 3, 18), signed_by="Zhou Lan")
        assert (card.repair_card_no, card.pickup_receipt_no) == ("SC01-RC000001",
                                                                 "SC01-PR000001")
        assert card.overdue_at == at("2026-03-19T00:00:00+08:00")  # S14: end of promised day
        async with db.reading() as session:
            paper = await session.get(Voucher, NO)
            assert paper is not None
            assert (paper.status, paper.service_mode) == ("in_workshop", "carry_in")
            entry = (await session.scalars(select(WorkshopEntry))).one()
            assert (entry.repair_card_no, entry.in_on, entry.promised_on) == (
                "SC01-RC000001", date(2026, 3, 16), date(2026, 3, 18))
            signatures = (await session.scalars(select(Signature).order_by(Signature.id))).all()
            assert [(s.document, s.document_no, s.signer_role) for s in signatures] == [
                ("voucher", NO, "customer"), ("pickup_receipt", "SC01-PR000001", "technician")]
            assert await audit_rows(session) == [("voucher.carried_in", NO)]
        assert outbox.types() == ["dispatch.carry_in.started.v1"]
        started = outbox.committed[0]
        assert (started.repair_card_no, started.pickup_receipt_no, started.promised_on) == (
            "SC01-RC000001", "SC01-PR000001", date(2026, 3, 18))
        assert ctx.wake.woken == [workshop.WATCHER]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("promised", "why"), [
    (date(2026, 3, 15), "passed"), (date(2026, 3, 16) + timedelta(days=367), "days ahead")])
async def test_s11_promised_date_must_lie_between_today_and_the_horizon(promised, why) -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO))
        with pytest.raises(RuleBroken, match=why) as refused:
            async with db.transaction() as session:
                await workshop.carry_in(ctx, session, actor=T01, voucher_no=NO,
                                        promised_on=promised, signed_by="x")
        assert (refused.value.field, refused.value.rule) == ("promised_on", "S11")
        async with db.reading() as session:
            assert (await session.scalars(select(RepairCard))).all() == []
        assert outbox.committed == []


async def test_s11_only_from_the_customers_site_and_once() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, status=VoucherStatus.ASSIGNED))
        with pytest.raises(WrongState):
            async with db.transaction() as session:
                await workshop.carry_in(ctx, session, actor=T01, voucher_no=NO,
                                        promised_on=date(2026, 3, 18), signed_by="x")
        assert outbox.committed == []


async def test_s12_s13_work_inspection_and_return_file_the_voucher() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="C"))
        async with db.transaction() as session:
            card = await workshop.carry_in(ctx, session, actor=T01, voucher_no=NO,
                                           promised_on=date(2026, 3, 18), signed_by="Zhou")
        no = card.repair_card_no or ""
        async with db.transaction() as session:
            await workshop.log_repair(
                ctx, session, actor=T01, repair_card_no=no, minutes=90, at=None,
                parts=[PartIn(part_no="COMP-2", quantity=1, unit_price="0.00")])
        async with db.transaction() as session:
            await workshop.inspect(ctx, session, actor=S01, repair_card_no=no, remark="OK")
        with pytest.raises(RuleBroken):
            async with db.transaction() as session:
                await workshop.return_product(ctx, session, actor=T01, repair_card_no=no,
                                              signed_by="Zhou", pickup_receipt_no="SC01-PR9")
        async with db.transaction() as session:
            await workshop.return_product(ctx, session, actor=T01, repair_card_no=no,
                                          signed_by="Zhou", pickup_receipt_no="SC01-PR000001")
        async with db.reading() as session:
            paper = await session.get(Voucher, NO)
            assert paper is not None and (paper.status, paper.labour_minutes) == ("completed", 90)
            assert [a for a, _ in await audit_rows(session)] == [
                "voucher.carried_in", "repair_card.work", "repair_card.inspected",
                "voucher.returned"]
        assert outbox.types() == ["dispatch.carry_in.started.v1", "dispatch.voucher.completed.v1"]
        done = outbox.committed[1]
        assert (done.service_mode, done.labour_minutes) == ("carry_in", 90)
