"""Abnormality sheets through their use cases on the fakes (SPEC C3): filed, routed, the
improvement recorded with who and when, closed, audited, and in the month's block only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.complaints.models import Base, plumbing
from services.complaints.schemas.abnormality import CloseIn, ImprovementIn, SheetIn
from services.complaints.service import abnormality, catalogue
from shared.auth import Actor
from shared.clock import FixedClock
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState
from shared.testing import fake_context, memory_database

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SALES = Actor("E-S1", "sales")
MFG = Actor("E-M1", "manufacturing")
QA = Actor("E-Q1", "qa")
GM_OFFICE = Actor("E-G1", "gm_office")
RND = Actor("E-R1", "rnd")


@pytest.fixture
async def world() -> AsyncIterator[dict[str, Any]]:
    clock = FixedClock(NOV)
    ctx, outbox = fake_context(plumbing, clock=clock, service="complaints")
    async with memory_database(Base.metadata) as db:
        yield {"ctx": ctx, "outbox": outbox, "db": db, "clock": clock}


SHEET = SheetIn(description="labels printed crooked; no goods lost",
                unit_role="manufacturing", unit="line 3", part_no="PN-1")


async def test_c3_a_sheet_is_filed_improved_by_its_unit_and_closed_by_the_filer(world) -> None:
    ctx, db, clock = world["ctx"], world["db"], world["clock"]
    async with db.transaction() as session:
        sheet = await abnormality.file_sheet(ctx, session, actor=SALES, data=SHEET)
        sheet_id = sheet.id
    assert (sheet.status, sheet.form, sheet.filed_role) == ("open", "abnormality", "sales")
    clock.advance(timedelta(hours=3))
    with pytest.raises(Forbidden):  # QA is not the unit concerned
        async with db.transaction() as session:
            await abnormality.record_improvement(ctx, session, actor=QA, sheet_id=sheet_id,
                                                 data=ImprovementIn(improvement="x"))
    async with db.transaction() as session:
        done = await abnormality.record_improvement(
            ctx, session, actor=MFG, sheet_id=sheet_id,
            data=ImprovementIn(improvement="printer head aligned; daily check added"))
    assert (done.status, done.improved_by, done.improved_at) == (
        "improved", "E-M1", NOV + timedelta(hours=3))
    async with db.transaction() as session:
        closed = await abnormality.close_sheet(ctx, session, actor=SALES, sheet_id=sheet_id,
                                               data=CloseIn(note="checked"))
    assert (closed.status, closed.closed_by) == ("closed", "E-S1")
    with pytest.raises(WrongState):
        async with db.transaction() as session:
            await abnormality.close_sheet(ctx, session, actor=GM_OFFICE, sheet_id=sheet_id,
                                          data=CloseIn())
    async with db.reading() as session:
        history = await ctx.audit.history(session, subject_type="abnormality_sheet",
                                          subject_id=str(sheet_id))
    assert [e["action"] for e in history] == [
        "abnormality.filed", "abnormality.improved", "abnormality.closed"]
    assert world["outbox"].types() == []  # a sheet is not a complaint: no case is filed


async def test_c3_a_loss_is_a_complaint_not_a_sheet(world) -> None:
    with pytest.raises(RuleBroken) as err:
        async with world["db"].transaction() as session:
            await abnormality.file_sheet(world["ctx"], session, actor=SALES,
                                         data=SHEET.model_copy(update={"caused_loss": True}))
    assert err.value.rule == "C3"


async def test_c3_the_unit_lists_its_sheets_and_others_do_not_see_them(world) -> None:
    ctx, db = world["ctx"], world["db"]
    async with db.transaction() as session:
        sheet = await abnormality.file_sheet(ctx, session, actor=SALES, data=SHEET)
        await abnormality.file_sheet(ctx, session, actor=SALES, data=SHEET.model_copy(
            update={"unit_role": "warehouse"}))
    async with db.reading() as session:
        mine = await abnormality.list_sheets(session, actor=MFG)
        assert [s.id for s in mine] == [sheet.id]
        assert len(await abnormality.list_sheets(session, actor=SALES)) == 2
        assert len(await abnormality.list_sheets(session, actor=GM_OFFICE)) == 2
        assert await abnormality.list_sheets(session, actor=RND) == []
        with pytest.raises(NotFound):
            await abnormality.readable_sheet(session, actor=RND, sheet_id=sheet.id)


async def test_c3_the_monthly_statistics_show_sheets_beside_complaints_not_in_them(
        world) -> None:
    ctx, db = world["ctx"], world["db"]
    async with db.transaction() as session:
        await abnormality.file_sheet(ctx, session, actor=SALES, data=SHEET)
        await abnormality.file_sheet(ctx, session, actor=Actor("K01", "counter", "SC01"),
                                     data=SHEET.model_copy(update={"unit_role": "counter"}))
    async with db.reading() as session:
        table = await catalogue.monthly_statistics(ctx, session, month="2026-11")
        other = await catalogue.monthly_statistics(ctx, session, month="2026-10")
    assert table["total"] == 0 and sum(table["by_classification"].values()) == 0
    assert table["abnormalities"]["total"] == 2
    assert table["abnormalities"]["by_form"] == {"abnormality": 1, "retail_survey": 1}
    assert table["abnormalities"]["by_status"]["open"] == 2
    assert other["abnormalities"]["total"] == 0
