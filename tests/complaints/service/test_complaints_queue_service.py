"""The work queue's query on SQLite (the embedded ``make run``) through shared.testing's
fakes: a role's waiting steps in deadline order, overdue first, bounded (issue 14; SPEC
C9.4, C14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.complaints.models import Base, plumbing
from services.complaints.schemas.cases import ComplaintIn
from services.complaints.service import steps
from services.complaints.service.cases import all_workflows
from services.complaints.service.queue import owned_steps, work_queue
from shared.auth import Actor
from shared.clock import FixedClock
from shared.testing import fake_context, memory_database

from ..support import FILING

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SALES = Actor("E-S1", "sales")
GM_OFFICE = Actor("E-G1", "gm_office")
QA = Actor("E-Q1", "qa")


async def test_c9_4_the_queue_runs_by_deadline_overdue_first_and_is_bounded() -> None:
    clock = FixedClock(NOV)
    ctx, _ = fake_context(plumbing, clock=clock, service="complaints")
    async with memory_database(Base.metadata) as db:
        numbers = []
        for _ in range(3):
            async with db.transaction() as session:
                case = await steps.file_complaint(ctx, session, actor=SALES,
                                                  data=ComplaintIn.model_validate(FILING))
                numbers.append(case.case_no)
            clock.advance(timedelta(hours=5))  # half a day to register: the first is late
        async with db.reading() as session:
            queue = await work_queue(session, actor=GM_OFFICE, now=clock.now())
            assert [i.case_no for i in queue.items] == numbers
            assert [i.overdue for i in queue.items] == [True, False, False]
            assert queue.overdue_count == 1 and not queue.truncated
            bounded = await work_queue(session, actor=GM_OFFICE, now=clock.now(), limit=2)
            assert [i.case_no for i in bounded.items] == numbers[:2] and bounded.truncated
            assert (await work_queue(session, actor=QA, now=clock.now())).items == []


async def test_owned_steps_come_from_the_definitions_approvers_included() -> None:
    async with memory_database(Base.metadata) as db, db.reading() as session:
        workflows = [d for d, _ in await all_workflows(session)]
    assert ("manufacturer", "approval") in owned_steps("vice_gm", workflows)
    assert ("manufacturer", "registration") in owned_steps("gm_office", workflows)
    assert ("retail", "branch_approval") in owned_steps("branch_manager", workflows)
    assert not any(step == "approval" for _, step in owned_steps("qa", workflows))
