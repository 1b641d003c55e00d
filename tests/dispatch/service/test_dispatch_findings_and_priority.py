"""What the technician found (SPEC E3/E4) and the board's read-time priority (S18) and
provisional deadlines (S19/§calendar), in the service layer on shared.testing fakes."""

from __future__ import annotations

from datetime import date

import pytest

from services.dispatch.domain.board import VoucherStatus
from services.dispatch.models import RepairCard, Voucher
from services.dispatch.schemas import CompleteIn
from services.dispatch.service import board, visits, workshop
from shared.auth import Actor
from shared.events.intake import CallRegistered
from shared.rules import RuleBroken
from tests.dispatch.support import at, unit, voucher

NOON = at("2026-03-16T12:00:00+08:00")
T01 = Actor(user_id="T01", role="technician", branch="SC01")
S01 = Actor(user_id="S01", role="supervisor", branch="SC01")
NO = "SC01-V000001"


def _done(**extra: object) -> CompleteIn:
    return CompleteIn.model_validate({"labour_minutes": 45, "signed_by": "Wu Mei", **extra})


async def test_e3_covered_completion_without_component_or_cause_is_refused() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="B"))
        for body, missing in (({}, "component"), ({"component": "display"}, "cause")):
            with pytest.raises(RuleBroken) as refused:
                async with db.transaction() as session:
                    await visits.complete(ctx, session, actor=T01, voucher_no=NO,
                                          data=_done(**body))
            assert (refused.value.field, refused.value.rule) == (missing, "E3")
        assert outbox.committed == []


async def test_e3_e4_findings_are_stored_and_travel_on_voucher_completed() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="B"))
        async with db.transaction() as session:
            done = await visits.complete(ctx, session, actor=T01, voucher_no=NO, data=_done(
                component="main_board", cause="power_surge", repairable=False))
            assert (done.component, done.cause, done.repairable) == (
                "main_board", "power_surge", False)
        [event] = outbox.committed
        assert (event.component, event.cause, event.repairable) == (
            "main_board", "power_surge", False)


async def test_e3_paid_completion_may_name_findings_or_not() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="A"))
        async with db.transaction() as session:
            await visits.complete(ctx, session, actor=T01, voucher_no=NO, data=_done())
        [event] = outbox.committed
        assert (event.component, event.cause, event.repairable) == (None, None, True)


async def test_e4_covered_carry_in_return_names_its_findings() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, category="B", status=VoucherStatus.IN_WORKSHOP))
            await session.flush()
            session.add(RepairCard(
                repair_card_no="SC01-RC000001", pickup_receipt_no="SC01-PR000001",
                voucher_no=NO, branch="SC01", technician_id="T01",
                promised_on=date(2026, 3, 20), overdue_at=at("2026-03-21T00:00:00+08:00"),
                status="inspected", opened_at=at("2026-03-16T11:00:00+08:00")))
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await workshop.return_product(ctx, session, actor=T01,
                                              repair_card_no="SC01-RC000001",
                                              signed_by="Wu Mei",
                                              pickup_receipt_no="SC01-PR000001")
        assert (refused.value.field, refused.value.rule) == ("component", "E3")
        async with db.transaction() as session:
            await workshop.return_product(ctx, session, actor=T01,
                                          repair_card_no="SC01-RC000001", signed_by="Wu Mei",
                                          pickup_receipt_no="SC01-PR000001",
                                          component="compressor", cause="wear",
                                          repairable=False)
        [event] = outbox.committed
        assert (event.service_mode, event.component, event.cause, event.repairable) == (
            "carry_in", "compressor", "wear", False)


async def test_s18_earlier_days_waiting_call_is_priority_on_the_board_before_reconciling() -> None:
    async with unit(NOON) as (ctx, _outbox, db):
        async with db.transaction() as session:
            # V1 today with the earliest deadline; V2 three days old, never dispatched
            session.add(voucher("SC01-V000001", call_id=1, status=VoucherStatus.WAITING,
                                technician_id=None, received_at=NOON))
            old = voucher("SC01-V000002", call_id=2, status=VoucherStatus.WAITING,
                          technician_id=None, received_at=at("2026-03-13T10:00:00+08:00"))
            old.arrival_due_at = at("2026-03-16T18:00:00+08:00")
            session.add(old)
        async with db.reading() as session:
            items = await board.board(ctx, session, actor=S01, branch="SC01")
            assert [(i.voucher_no, i.priority) for i in items] == [
                ("SC01-V000002", True), ("SC01-V000001", False)]
            assert "2026-03-13" in (items[0].priority_reason or "")
            stored = await session.get(Voucher, "SC01-V000002")
            assert stored is not None and stored.priority is False  # computed, not written


def _registered(**extra: object) -> CallRegistered:
    return CallRegistered(
        call_id=7, voucher_no="SC01-V000007", branch="SC01", customer_id=1,
        customer_name="Wu Mei", district="Huangpu", product_id=1, model="TV-55Q",
        serial="SN1", symptom="no picture", category="A", sla_class="urban",
        received_at=at("2026-03-16T10:00:00+08:00"),
        arrival_due_at=at("2026-03-16T17:00:00+08:00"), registered_by="C01", **extra)


async def test_s18_s19_call_registered_priority_and_provisional_deadline_are_kept() -> None:
    async with unit(NOON) as (ctx, _outbox, db):
        async with db.transaction() as session:
            await board.voucher_issued(ctx, session, _registered(
                priority=True, arrival_due_provisional=True))
        async with db.reading() as session:
            v = await session.get(Voucher, "SC01-V000007")
            assert v is not None
            assert (v.priority, v.arrival_due_provisional) == (True, True)
            assert v.priority_reason and "S18" in v.priority_reason
