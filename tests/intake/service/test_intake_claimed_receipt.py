"""A call's claimed receipt time (SPEC CT1), its priority from registration (S18) and a
deadline counted on an unofficial calendar year (S19), on the in-memory unit of work."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.intake.models import Call, plumbing
from services.intake.schemas import CallIn
from services.intake.service import calls
from shared.auth import Actor
from shared.rules import RuleBroken
from tests.intake.support import CLERK_ACTOR, at, file_with_product, unit

SUPERVISOR = Actor(user_id="S01", role="supervisor", branch="SC01")
MANAGER = Actor(user_id="M01", role="branch_manager", branch="SC01")
MONDAY = "2026-03-16T10:00:00+08:00"


async def _register(ctx, db, actor: Actor, **fields) -> Call:
    customer_id, product_id = await file_with_product(ctx, db, purchased_on="2020-01-01")
    async with db.atomic() as session:
        return await calls.register_call(ctx, session, actor=actor, data=CallIn(
            customer_id=customer_id, product_id=product_id, symptom="no picture", **fields))


async def _count(db, model) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_ct1_a_call_within_the_desk_window_is_taken_as_claimed() -> None:
    async with unit(MONDAY) as (ctx, outbox, db):
        call = await _register(ctx, db, CLERK_ACTOR,
                               received_at=at("2026-03-16T02:30:00+08:00"))  # 7.5 h ago
        assert call.received_at == at("2026-03-16T02:30:00+08:00")
        assert call.recorded_at == at(MONDAY) and not call.backdated
        event = outbox.committed[0]
        assert (event.recorded_at, event.backdate_approved_by) == (at(MONDAY), None)  # type: ignore[attr-defined]


async def test_ct1_a_clerk_cannot_record_a_call_received_beyond_the_window() -> None:
    async with unit(MONDAY) as (ctx, outbox, db):
        with pytest.raises(RuleBroken) as refused:
            await _register(ctx, db, CLERK_ACTOR, received_at=at("2026-03-16T01:59:00+08:00"),
                            backdate_reason="the letter came yesterday")
        assert (refused.value.field, refused.value.rule) == ("received_at", "CT1")
        assert outbox.types() == [] and await _count(db, Call) == 0


async def test_ct1_a_call_years_old_is_refused_unless_approved_with_a_reason() -> None:
    async with unit(MONDAY) as (ctx, outbox, db):
        # Out of warranty today, inside it on the claimed day: typing 2020 must not make
        # a paid call free (S6 decided for a date typed to suit).
        years_old = at("2020-06-01T10:00:00+08:00")
        with pytest.raises(RuleBroken) as refused:
            await _register(ctx, db, CLERK_ACTOR, received_at=years_old)
        assert refused.value.rule == "CT1"
        with pytest.raises(RuleBroken) as no_reason:
            await _register(ctx, db, SUPERVISOR, received_at=years_old)
        assert (no_reason.value.field, no_reason.value.rule) == ("backdate_reason", "CT1")
        assert outbox.types() == [] and await _count(db, Call) == 0

        call = await _register(ctx, db, MANAGER, received_at=years_old,
                               backdate_reason="letter found in the archive")
        assert call.received_at == years_old and call.recorded_at == at(MONDAY)
        assert call.backdated and call.backdate_approved_by == "M01"
        assert call.backdate_reason == "letter found in the archive"
        assert call.category == "C"  # decided for the claimed day only with the approval
        event = outbox.committed[-1]
        assert event.backdate_approved_by == "M01"  # type: ignore[attr-defined]
        assert event.recorded_at == at(MONDAY)  # type: ignore[attr-defined]
        table = plumbing.audit_log
        async with db.reading() as session:
            detail = await session.scalar(
                select(table.c.detail).where(table.c.action == "call.registered"))
        assert detail["backdated"] and detail["backdate_approved_by"] == "M01"


async def test_s18_a_call_received_yesterday_is_priority_from_its_registration() -> None:
    async with unit("2026-03-17T06:00:00+08:00") as (ctx, outbox, db):  # before opening
        late = await _register(ctx, db, CLERK_ACTOR,
                               received_at=at("2026-03-16T23:00:00+08:00"))  # in the window
        assert late.priority and late.prioritised_at == at("2026-03-17T06:00:00+08:00")
        assert "2026-03-16" in (late.priority_reason or "")
        today = await _register(ctx, db, CLERK_ACTOR)
        assert not today.priority
        sent = [e.priority for e in outbox.committed]  # type: ignore[attr-defined]
        assert sent == [True, False]


async def test_s18_a_back_dated_call_of_three_days_ago_is_priority_at_once() -> None:
    async with unit(MONDAY) as (ctx, outbox, db):
        call = await _register(ctx, db, SUPERVISOR, received_at=at("2026-03-13T15:00:00+08:00"),
                               backdate_reason="document call found in the tray")
        assert call.priority and call.register_date.isoformat() == "2026-03-13"
        assert outbox.committed[0].priority is True  # type: ignore[attr-defined]


async def test_s19_a_deadline_counted_into_an_unofficial_year_is_provisional() -> None:
    # chinese-calendar knows up to 2026 and no company file loads 2027: a deadline that
    # counts days of 2027 is marked, so nobody is judged by it as if it were certain.
    async with unit("2026-12-31T16:00:00+08:00") as (ctx, outbox, db):
        assert not ctx.branch("SC01").calendar.official_year(2027), "2027 became official"
        call = await _register(ctx, db, CLERK_ACTOR)
        assert call.arrival_due_at.year == 2027 and call.arrival_due_provisional
        assert outbox.committed[0].arrival_due_provisional is True  # type: ignore[attr-defined]
    async with unit(MONDAY) as (ctx, outbox, db):
        call = await _register(ctx, db, CLERK_ACTOR)
        assert not call.arrival_due_provisional
        assert outbox.committed[0].arrival_due_provisional is False  # type: ignore[attr-defined]


@settings(max_examples=30, deadline=None)
@given(hours_ago=st.floats(min_value=0, max_value=24 * 365 * 7, allow_nan=False))
def test_ct1_property_a_clerk_never_gets_a_receipt_older_than_the_window(
        hours_ago: float) -> None:
    # Whatever time the clerk types, the call is either refused or received within the
    # desk window of its recording: its category and deadline are never decided for an
    # older day without an approver (CT1), so typing 2020 cannot make a paid call free.
    async def scenario() -> None:
        async with unit(MONDAY) as (ctx, _outbox, db):
            claimed = at(MONDAY) - timedelta(hours=hours_ago)
            window = ctx.branch("SC01").claim_windows.desk
            try:
                call = await _register(ctx, db, CLERK_ACTOR, received_at=claimed)
            except RuleBroken as refused:
                assert refused.rule == "CT1" and hours_ago > window / timedelta(hours=1)
                return
            assert call.recorded_at is not None
            assert call.recorded_at - call.received_at <= window and not call.backdated
            assert call.category == "A"  # out of warranty on every day of the window

    asyncio.run(scenario())
