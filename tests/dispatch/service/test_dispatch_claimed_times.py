"""Claimed times in dispatch (SPEC CT1): the arrival, completion, repair-work and work-log
times a phone sends are taken within the branch's device window (72 h by default) and
stored beside their receipt time; older ones need a supervisor who records them with a
reason, and are marked back-dated. ``sla_met`` (S19) can never be improved by typing an
earlier time. Service layer on shared.testing fakes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.dispatch.domain.board import VoucherStatus
from services.dispatch.domain.visits import sla_met
from services.dispatch.models import RepairCard, Voucher, WorkLog
from services.dispatch.schemas import CompleteIn
from services.dispatch.service import reports, visits, workshop
from shared.auth import Actor
from shared.claimed import DEFAULT_DEVICE_WINDOW
from shared.rules import Forbidden, RuleBroken
from tests.dispatch.support import at, unit, voucher

RECEIVED = at("2026-03-16T10:00:00+08:00")
DUE = at("2026-03-16T17:00:00+08:00")  # support.voucher's arrival deadline
LATER = at("2026-03-20T12:00:00+08:00")  # four days on: the 16th is beyond 72 hours
T01 = Actor(user_id="T01", role="technician", branch="SC01")
S01 = Actor(user_id="S01", role="supervisor", branch="SC01")
CLERK = Actor(user_id="C01", role="clerk", branch="SC01")
NO = "SC01-V000001"


def _assigned() -> Voucher:
    return voucher(NO, status=VoucherStatus.ASSIGNED, received_at=RECEIVED)


async def test_ct1_arrival_backdated_beyond_window_is_refused_for_a_technician() -> None:
    async with unit(LATER) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(_assigned())
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await visits.arrive(ctx, session, actor=T01, voucher_no=NO,
                                    at=at("2026-03-16T16:00:00+08:00"),
                                    backdate_reason="my phone was off")
        assert (refused.value.rule, refused.value.field) == ("CT1", "at")
        async with db.reading() as session:
            kept = await session.get(Voucher, NO)
            assert kept is not None and kept.status == "assigned" and kept.sla_met is None
        assert outbox.committed == []


async def test_ct1_arrival_within_the_device_window_is_taken_beside_its_receipt() -> None:
    now = at("2026-03-17T09:00:00+08:00")  # the phone synced the next morning
    async with unit(now) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(_assigned())
        async with db.transaction() as session:
            v = await visits.arrive(ctx, session, actor=T01, voucher_no=NO,
                                    at=at("2026-03-16T16:30:00+08:00"))
            assert (v.arrived_at, v.arrival_recorded_at, v.sla_met) == (
                at("2026-03-16T16:30:00+08:00"), now, True)
            assert v.arrival_backdate_approved_by is None
        [event] = outbox.committed
        assert (event.recorded_at, event.backdate_approved_by) == (now, None)


async def test_ct1_supervisor_records_a_late_arrival_with_a_reason_marked_backdated() -> None:
    async with unit(LATER) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(_assigned())
        with pytest.raises(RuleBroken) as no_reason:
            async with db.transaction() as session:
                await visits.arrive(ctx, session, actor=S01, voucher_no=NO,
                                    at=at("2026-03-16T16:00:00+08:00"))
        assert (no_reason.value.rule, no_reason.value.field) == ("CT1", "backdate_reason")
        with pytest.raises(Forbidden):  # a clerk approves nothing and is not the technician
            async with db.transaction() as session:
                await visits.arrive(ctx, session, actor=CLERK, voucher_no=NO, at=None)
        async with db.transaction() as session:
            v = await visits.arrive(ctx, session, actor=S01, voucher_no=NO,
                                    at=at("2026-03-16T16:00:00+08:00"),
                                    backdate_reason="T01's phone was stolen; signed voucher seen")
            assert v.sla_met is True
            assert (v.arrival_recorded_at, v.arrival_recorded_by) == (LATER, "S01")
            assert v.arrival_backdate_approved_by == "S01"
            assert v.arrival_backdate_reason == "T01's phone was stolen; signed voucher seen"
        [event] = outbox.committed
        assert (event.technician_id, event.recorded_at, event.backdate_approved_by) == (
            "T01", LATER, "S01")
        assert event.arrived_at == at("2026-03-16T16:00:00+08:00")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=st.integers(min_value=0, max_value=10 * 24 * 60),
       since=st.integers(min_value=0, max_value=10 * 24 * 60))
async def test_ct1_property_typed_arrival_never_beats_the_window(typed: int, since: int) -> None:
    """For any arrival time a technician types (``typed`` minutes after receipt) and any
    moment it reaches the server (``since`` minutes after receipt), sla_met is never
    better than an arrival at now − device window would give."""
    now = RECEIVED + timedelta(minutes=since)
    claimed = RECEIVED + timedelta(minutes=typed)
    async with unit(now) as (ctx, _outbox, db):
        async with db.transaction() as session:
            session.add(_assigned())
        try:
            async with db.transaction() as session:
                v = await visits.arrive(ctx, session, actor=T01, voucher_no=NO, at=claimed,
                                        backdate_reason="any reason at all")
        except RuleBroken as refused:
            assert refused.rule == "CT1"
            return
        assert v.arrival_backdate_approved_by is None  # a technician approves nothing
        bound = sla_met(max(now - DEFAULT_DEVICE_WINDOW, RECEIVED), DUE)
        assert v.sla_met is not None and v.sla_met <= bound
        assert v.arrival_recorded_at == now


async def test_ct1_completion_time_beyond_the_window_needs_a_supervisor() -> None:
    async with unit(LATER) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, received_at=RECEIVED))  # on site since receipt
        typed = {"labour_minutes": 30, "signed_by": "Wu Mei", "at": "2026-03-16T12:00:00+08:00"}
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await visits.complete(ctx, session, actor=T01, voucher_no=NO,
                                      data=CompleteIn.model_validate(typed))
        assert refused.value.rule == "CT1"
        async with db.transaction() as session:
            done = await visits.complete(ctx, session, actor=S01, voucher_no=NO,
                                         data=CompleteIn.model_validate(
                                             {**typed, "backdate_reason": "paper voucher"}))
            assert (done.completed_at, done.completion_recorded_at) == (
                at("2026-03-16T12:00:00+08:00"), LATER)
            assert done.completion_backdate_approved_by == "S01"
        async with db.reading() as session:
            [log] = (await session.scalars(select(WorkLog))).all()
            # the technician's work, on the day it was done, marked as recorded late
            assert (log.technician_id, log.day, log.logged_by, log.backdate_approved_by) == (
                "T01", date(2026, 3, 16), "S01", "S01")
        [event] = outbox.committed
        assert event.technician_id == "T01"


async def test_ct1_repair_work_time_beyond_the_window_needs_a_supervisor() -> None:
    async with unit(LATER) as (ctx, _outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, status=VoucherStatus.IN_WORKSHOP, received_at=RECEIVED))
            await session.flush()
            session.add(RepairCard(
                repair_card_no="SC01-RC000001", pickup_receipt_no="SC01-PR000001",
                voucher_no=NO, branch="SC01", technician_id="T01",
                promised_on=date(2026, 3, 25), overdue_at=at("2026-03-26T00:00:00+08:00"),
                status="open", opened_at=RECEIVED))
        old = at("2026-03-16T15:00:00+08:00")
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await workshop.log_repair(ctx, session, actor=T01,
                                          repair_card_no="SC01-RC000001", minutes=40,
                                          parts=[], at=old)
        assert refused.value.rule == "CT1"
        async with db.transaction() as session:
            await workshop.log_repair(ctx, session, actor=S01, repair_card_no="SC01-RC000001",
                                      minutes=40, parts=[], at=old,
                                      backdate_reason="bench sheet")
        async with db.reading() as session:
            [log] = (await session.scalars(select(WorkLog))).all()
            assert (log.technician_id, log.day, log.backdate_approved_by) == (
                "T01", date(2026, 3, 16), "S01")


async def test_ct1_work_log_day_older_than_the_window_needs_an_approver_and_a_reason() -> None:
    async with unit(LATER) as (ctx, _outbox, db):
        with pytest.raises(RuleBroken) as refused:
            async with db.transaction() as session:
                await reports.add_work_log(ctx, session, actor=T01, technician_id="T01",
                                           day=date(2026, 3, 16), category="D", minutes=60,
                                           note_text="training")
        assert (refused.value.rule, refused.value.field) == ("CT1", "date")
        with pytest.raises(RuleBroken) as no_reason:
            async with db.transaction() as session:
                await reports.add_work_log(ctx, session, actor=S01, technician_id="T01",
                                           day=date(2026, 3, 16), category="D", minutes=60,
                                           note_text="training")
        assert no_reason.value.field == "backdate_reason"
        async with db.transaction() as session:
            # within the window (the 18th ends 36 hours before): the technician alone
            await reports.add_work_log(ctx, session, actor=T01, technician_id="T01",
                                       day=date(2026, 3, 18), category="D", minutes=30,
                                       note_text="tools")
            await reports.add_work_log(ctx, session, actor=S01, technician_id="T01",
                                       day=date(2026, 3, 16), category="D", minutes=60,
                                       note_text="training",
                                       backdate_reason="course sheet handed in late")
        async with db.reading() as session:
            logs = (await session.scalars(select(WorkLog).order_by(WorkLog.id))).all()
            assert [(w.day, w.logged_by, w.backdate_approved_by, w.backdate_reason)
                    for w in logs] == [
                (date(2026, 3, 18), "T01", None, None),
                (date(2026, 3, 16), "S01", "S01", "course sheet handed in late")]
