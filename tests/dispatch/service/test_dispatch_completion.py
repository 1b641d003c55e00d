"""On-site completion in the service layer (SPEC S9, S10, S15), with shared.testing fakes:
an in-memory unit of work, a fixed clock and a recording outbox (no servers)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from services.dispatch.domain.board import VoucherKind, VoucherStatus
from services.dispatch.models import PartLine, Signature, Voucher, WorkLog
from services.dispatch.schemas import CompleteIn
from services.dispatch.service import visits
from shared.auth import Actor
from shared.rules import Forbidden, WrongState
from tests.dispatch.support import at, audit_rows, unit, voucher

NOON = at("2026-03-16T12:00:00+08:00")
T01 = Actor(user_id="T01", role="technician", branch="SC01")
NO = "SC01-V000001"


def _done(**extra: object) -> CompleteIn:
    return CompleteIn.model_validate({
        "labour_minutes": 45, "signed_by": "Wu Mei",
        "parts": [{"part_no": "PSU-1", "quantity": 2, "unit_price": "120.50"}], **extra})


async def test_s9_complete_records_parts_signatures_work_one_event_and_one_audit_entry() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, arrived_at=at("2026-03-16T11:00:00+08:00")))
        async with db.transaction() as session:
            done = await visits.complete(ctx, session, actor=T01, voucher_no=NO,
                                         data=_done(at="2026-03-16T11:40:00+08:00"))
            assert done.status == VoucherStatus.COMPLETED
        async with db.reading() as session:
            paper = await session.get(Voucher, NO)
            assert paper is not None
            assert (paper.service_mode, paper.labour_minutes, paper.signed_by) == (
                "on_site", 45, "Wu Mei")
            assert paper.completed_at == at("2026-03-16T11:40:00+08:00")
            parts = (await session.scalars(select(PartLine))).all()
            assert [(p.part_no, p.quantity, str(p.unit_price), p.repair_card_no)
                    for p in parts] == [("PSU-1", 2, "120.50", None)]
            signatures = (await session.scalars(select(Signature).order_by(Signature.id))).all()
            assert [(s.signer, s.signer_role, s.purpose) for s in signatures] == [
                ("Wu Mei", "customer", "completion"), ("T01", "technician", "completion")]
            work = (await session.scalars(select(WorkLog))).all()
            # S15: the work counts on the day it was done, in the voucher's category (S6)
            assert [(w.technician_id, w.day, w.category, w.minutes, w.source, w.voucher_no)
                    for w in work] == [("T01", date(2026, 3, 16), "A", 45, "on_site", NO)]
            assert await audit_rows(session) == [("voucher.completed", NO)]
        assert outbox.types() == ["dispatch.voucher.completed.v1"]
        event = outbox.committed[0]
        assert event.model_dump(mode="json")["parts"] == [
            {"part_no": "PSU-1", "quantity": 2, "unit_price": "120.50"}]
        assert (event.labour_minutes, event.service_mode, event.category) == (45, "on_site", "A")


async def test_s9_refused_completion_leaves_nothing_behind() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO, status=VoucherStatus.ASSIGNED))
            session.add(voucher("SC01-V000002", call_id=2, technician_id="T02"))
        with pytest.raises(WrongState) as early:
            async with db.transaction() as session:
                await visits.complete(ctx, session, actor=T01, voucher_no=NO, data=_done())
        assert early.value.rule == "S9"
        with pytest.raises(Forbidden):
            async with db.transaction() as session:
                await visits.complete(ctx, session, actor=T01, voucher_no="SC01-V000002",
                                      data=_done())
        async with db.reading() as session:
            assert (await session.scalars(select(PartLine))).all() == []
            assert (await session.scalars(select(WorkLog))).all() == []
            assert await audit_rows(session) == []
        assert outbox.committed == []


async def test_s9_completed_twice_is_409_and_changes_nothing_more() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            session.add(voucher(NO))
        async with db.transaction() as session:
            await visits.complete(ctx, session, actor=T01, voucher_no=NO, data=_done())
        with pytest.raises(WrongState, match="already completed"):
            async with db.transaction() as session:
                await visits.complete(ctx, session, actor=T01, voucher_no=NO, data=_done())
        async with db.reading() as session:
            assert len((await session.scalars(select(Signature))).all()) == 2
        assert outbox.types() == ["dispatch.voucher.completed.v1"]


async def test_s20_renewal_visit_completion_publishes_the_renewal_event() -> None:
    async with unit(NOON) as (ctx, outbox, db):
        async with db.transaction() as session:
            line = voucher("SC01-RMC0042", kind=VoucherKind.RENEWAL, call_id=None, category="B")
            line.contract_no = "MC0042"
            session.add(line)
        async with db.transaction() as session:
            await visits.complete(ctx, session, actor=T01, voucher_no="SC01-RMC0042",
                                  data=_done(parts=[]))
        async with db.reading() as session:
            work = (await session.scalars(select(WorkLog))).one()
            assert (work.source, work.category) == ("renewal", "B")
        assert outbox.types() == ["dispatch.renewal_visit.completed.v1"]
        assert outbox.committed[0].contract_no == "MC0042"
