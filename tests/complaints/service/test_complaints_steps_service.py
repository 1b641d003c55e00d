"""Complaint use cases on the fakes of shared.testing: no NATS, no migrations, no server.

SPEC C9.4 (only the current step, by its owner), C10 (the case clock starts at
registration), §8 (who, when, what: one timeline entry and one audit entry per step).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.complaints.models import Base, StepRecord, plumbing
from services.complaints.schemas.cases import ComplaintIn
from services.complaints.service import cases, steps
from services.complaints.service.reminders import WATCHER
from shared.auth import Actor
from shared.clock import FixedClock
from shared.rules import Forbidden, NotFound, WrongState
from shared.testing import fake_context, memory_database

from ..support import FILING

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SALES = Actor("E-S1", "sales")
GM_OFFICE = Actor("E-G1", "gm_office")
QA = Actor("E-Q1", "qa")


@pytest.fixture
async def world() -> AsyncIterator[dict[str, Any]]:
    clock = FixedClock(NOV)
    ctx, outbox = fake_context(plumbing, clock=clock, service="complaints")
    async with memory_database(Base.metadata) as db:
        async with db.transaction() as session:
            case = await steps.file_complaint(ctx, session, actor=SALES,
                                              data=ComplaintIn.model_validate(FILING))
            case_no = case.case_no
        yield {"ctx": ctx, "outbox": outbox, "db": db, "clock": clock, "case_no": case_no}


async def _audit(world: dict[str, Any], session: Any, action: str) -> list[dict[str, Any]]:
    entries = await world["ctx"].audit.history(session, subject_type="complaint",
                                               subject_id=world["case_no"])
    return [e for e in entries if e["action"] == action]


async def test_c9_4_completing_the_current_step_records_it_and_advances_the_case(world) -> None:
    ctx, db, case_no = world["ctx"], world["db"], world["case_no"]
    world["clock"].advance(timedelta(hours=1))
    async with db.transaction() as session:
        case = await steps.complete_step(ctx, session, actor=GM_OFFICE, case_no=case_no,
                                         step="registration", body={"note": "accepted"})
    assert case.current_step == "qa_analysis"  # the case advances along its route
    assert case.registered_at == NOV + timedelta(hours=1)  # C10: the case clock starts
    assert case.case_due_at is not None and case.step_started_at == case.registered_at
    async with db.reading() as session:
        [record] = (await session.scalars(select(StepRecord))).all()
        assert (record.step, record.by, record.role, record.note) == (
            "registration", "E-G1", "gm_office", "accepted")
        [entry] = await _audit(world, session, "step.registration.completed")
        assert (entry["by"], entry["role"]) == ("E-G1", "gm_office")
        assert len(await _audit(world, session, "complaint.filed")) == 1
    # One event in all: the filing's; completing a middle step publishes nothing more.
    assert world["outbox"].types() == ["complaints.case.filed.v1"]
    assert WATCHER in ctx.wake.woken  # the reminder watcher re-plans after commit


async def test_c9_4_a_step_that_is_not_current_is_wrong_state_and_changes_nothing(world) -> None:
    ctx, db, case_no = world["ctx"], world["db"], world["case_no"]
    with pytest.raises(WrongState) as err:
        async with db.transaction() as session:
            await steps.complete_step(ctx, session, actor=QA, case_no=case_no,
                                      step="qa_analysis", body={"cause": "voids"})
    assert (err.value.field, err.value.rule) == ("step", "C9.4")
    async with db.transaction() as session:
        await steps.complete_step(ctx, session, actor=GM_OFFICE, case_no=case_no,
                                  step="registration", body={})
    with pytest.raises(WrongState):  # done once: the same step again is not current
        async with db.transaction() as session:
            await steps.complete_step(ctx, session, actor=GM_OFFICE, case_no=case_no,
                                      step="registration", body={})
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(StepRecord)) == 1
        assert len(await _audit(world, session, "step.registration.completed")) == 1
    assert world["outbox"].types() == ["complaints.case.filed.v1"]


async def test_c9_4_only_the_steps_owner_completes_it(world) -> None:
    ctx, db, case_no = world["ctx"], world["db"], world["case_no"]
    with pytest.raises(Forbidden) as err:
        async with db.transaction() as session:
            await steps.complete_step(ctx, session, actor=QA, case_no=case_no,
                                      step="registration", body={})
    assert err.value.field == "step"
    with pytest.raises(NotFound):
        async with db.transaction() as session:
            await steps.complete_step(ctx, session, actor=GM_OFFICE, case_no="999999",
                                      step="registration", body={})


@pytest.mark.parametrize(("actor", "readable"), [
    (Actor("E-Q1", "qa"), True),                             # head office
    (Actor("E-S1", "sales"), True),
    (Actor("T01", "technician", "SC01"), False),             # not on a manufacturer route
    (Actor("C01", "cashier", "SC01"), False),
    (Actor("K01", "counter", "SC01"), False),                # branch-bound, head office case
])
async def test_a_manufacturer_case_is_read_by_head_office_only(world, actor, readable) -> None:
    async with world["db"].reading() as session:
        case = await cases.find_case(session, world["case_no"])
        assert cases.readable_by(actor, case) is readable
        if not readable:
            with pytest.raises(Forbidden):
                await cases.read_case(session, actor=actor, case_no=world["case_no"])


async def test_a_retail_case_is_read_on_its_route_in_its_branch(world) -> None:
    ctx, db = world["ctx"], world["db"]
    retail = ComplaintIn(profile="retail", market="domestic", classification="quality",
                         customer="Wang", demand="dead pixels")
    async with db.transaction() as session:
        case = await steps.file_complaint(ctx, session, actor=Actor("K01", "counter", "SC01"),
                                          data=retail)
    assert case.branch == "SC01"  # a counter files for its own branch
    async with db.reading() as session:
        case = await cases.find_case(session, case.case_no)
        assert cases.readable_by(Actor("L01", "counter_lead", "SC01"), case)
        assert cases.readable_by(Actor("C01", "cashier", "SC01"), case)
        assert not cases.readable_by(Actor("T01", "technician", "SC01"), case)
        assert not cases.readable_by(Actor("C21", "cashier", "SC02"), case)
        assert cases.readable_by(Actor("G1", "gm_office"), case)
        with pytest.raises(NotFound):  # another branch's case is not theirs to know of
            await cases.read_case(session, actor=Actor("C21", "cashier", "SC02"),
                                  case_no=case.case_no)
        lines = await cases.register_lines(session, actor=Actor("T01", "technician", "SC01"))
        assert lines == []
        lines = await cases.register_lines(session, actor=Actor("L01", "counter_lead", "SC01"))
        assert [c.case_no for c in lines] == [case.case_no]
