"""SPEC Q26 (函告該客戶) with issue 14 on complaints' service layer (fakes, SQLite in
memory): a case raised from a survey card closes with exactly one outcome letter, queued
in the closing transaction, to the customer's e-mail (else by post), in their language;
a customer told by phone gets none; a rolled-back close leaves none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.complaints.domain import letters as texts
from services.complaints.models import Base, plumbing
from services.complaints.schemas.cases import ComplaintIn
from services.complaints.service import cases, steps
from shared.auth import Actor
from shared.clock import FixedClock
from shared.events.survey import SurveyComplaintRaised
from shared.letters import Letter
from shared.testing import fake_context, memory_database

from ..support import FILING

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SERVICE_DEPT = Actor("E-SD", "service_dept")
VICE_GM = Actor("E-VG", "vice_gm")
SUPERVISOR = Actor("S01", "supervisor", branch="SC01")


class World:
    def __init__(self, ctx: Any, db: Any, clock: FixedClock) -> None:
        self.ctx, self.db, self.clock = ctx, db, clock

    async def raised(self, card_id: int, severity: str, **contact: str | None) -> str:
        event = SurveyComplaintRaised(
            card_id=card_id, call_id=card_id, voucher_no=f"SC01-{card_id:06d}", branch="SC01",
            technician_id="T01", customer_name="Wu Mei", severity=severity,
            text="the technician never came", occurred_at=NOV, **contact)
        async with self.db.transaction() as session:
            case = await steps.file_from_survey(self.ctx, session, event)
            assert case is not None
            return case.case_no

    async def do(self, case_no: str, name: str, actor: Actor, **body: Any) -> Any:
        self.clock.advance(timedelta(minutes=10))
        async with self.db.transaction() as session:
            await steps.complete_step(self.ctx, session, actor=actor, case_no=case_no,
                                      step=name, body=body)
        async with self.db.reading() as session:
            return await cases.find_case(session, case_no)

    async def letters(self) -> list[Letter]:
        async with self.db.reading() as session:
            return await self.ctx.letters.listing(session, branch=None)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    clock = FixedClock(NOV)
    ctx, _outbox = fake_context(plumbing, clock=clock, service="complaints")
    async with memory_database(Base.metadata) as db:
        yield World(ctx, db, clock)


async def test_q26_serious_case_closes_with_one_outcome_letter_in_the_customers_language(
    world: World,
) -> None:
    case_no = await world.raised(41, "serious", customer_email="wu.mei@example.com",
                                 customer_language="zh-Hant", customer_address="1 Bund Rd")
    await world.do(case_no, "registration", SERVICE_DEPT)
    await world.do(case_no, "vice_gm_handling", VICE_GM, outcome="退還到府費")
    await world.do(case_no, "supervisor_visit", SUPERVISOR, visited_by="S01",
                   visited_on="2026-11-17")
    assert await world.letters() == []  # nothing is told before the outcome is final
    case = await world.do(case_no, "letter_to_customer", SERVICE_DEPT, letter_ref="L-118")
    assert case.status == "closed"
    (letter,) = await world.letters()
    assert (letter.kind, letter.ref, letter.status, letter.to_email, letter.to_name,
            letter.language, letter.branch) == (
        "complaint_outcome", case_no, "pending", "wu.mei@example.com", "Wu Mei", "zh-Hant",
        "SC01")
    assert case_no in letter.subject and "抱怨處理結果" in letter.subject
    for said in ("處理結果：退還到府費", "2026-11-17", "本函編號：L-118", "接下來"):
        assert said in letter.text


async def test_q26_general_case_told_by_phone_gets_no_letter(world: World) -> None:
    case_no = await world.raised(42, "general", customer_email="li@example.com")
    await world.do(case_no, "registration", SERVICE_DEPT)
    await world.do(case_no, "supervisor_visit", SUPERVISOR, visited_by="S01",
                   visited_on="2026-11-17")
    await world.do(case_no, "service_dept_handling", SERVICE_DEPT, outcome="apology")
    case = await world.do(case_no, "customer_notice", SERVICE_DEPT, channel="phone")
    assert case.status == "closed"
    assert await world.letters() == []


async def test_q26_written_notice_without_email_is_a_postal_letter_in_the_branch_language(
    world: World,
) -> None:
    case_no = await world.raised(43, "general", customer_address="9 Nanjing Rd")
    await world.do(case_no, "registration", SERVICE_DEPT)
    await world.do(case_no, "supervisor_visit", SUPERVISOR, visited_by="S01",
                   visited_on="2026-11-17")
    await world.do(case_no, "service_dept_handling", SERVICE_DEPT, outcome="apology")
    await world.do(case_no, "customer_notice", SERVICE_DEPT, channel="written")
    (letter,) = await world.letters()
    assert (letter.status, letter.to_email, letter.to_postal, letter.language) == (
        "postal", None, "9 Nanjing Rd", "zh-Hans")
    assert "处理结果：apology" in letter.text


async def test_q26_a_close_that_rolls_back_leaves_no_letter(world: World) -> None:
    case_no = await world.raised(44, "serious", customer_email="wu.mei@example.com")
    await world.do(case_no, "registration", SERVICE_DEPT)
    await world.do(case_no, "vice_gm_handling", VICE_GM, outcome="refund")
    await world.do(case_no, "supervisor_visit", SUPERVISOR, visited_by="S01",
                   visited_on="2026-11-17")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with world.db.transaction() as session:
            await steps.complete_step(world.ctx, session, actor=SERVICE_DEPT, case_no=case_no,
                                      step="letter_to_customer", body={"letter_ref": "L-1"})
            assert len(await world.ctx.letters.listing(session, branch=None)) == 1
            raise Boom
    assert await world.letters() == []
    async with world.db.reading() as session:
        case = await cases.find_case(session, case_no)
        assert (case.status, case.current_step) == ("open", "letter_to_customer")


async def test_q26_a_case_without_any_contact_gets_no_letter(world: World) -> None:
    case_no = await world.raised(45, "serious")  # an old payload: no contact travelled
    await world.do(case_no, "registration", SERVICE_DEPT)
    await world.do(case_no, "vice_gm_handling", VICE_GM, outcome="refund")
    await world.do(case_no, "supervisor_visit", SUPERVISOR, visited_by="S01",
                   visited_on="2026-11-17")
    case = await world.do(case_no, "letter_to_customer", SERVICE_DEPT, letter_ref="L-2")
    assert case.status == "closed" and await world.letters() == []


def test_q26_allowance_outcome_tells_the_amount_and_what_sales_does_next() -> None:
    outcome = texts.Outcome(case_no="261107", customer="Acme GmbH",
                            received_on=date(2026, 11, 2), closed_on=date(2026, 11, 12),
                            handling="allowance", amount="1,200.00")
    english = texts.outcome_letter(outcome, language="en")
    assert "Handling: an allowance of 1,200.00" in english.text
    assert "sign the allowance certificate" in english.text
    assert "case 261107" in english.text and english.subject.endswith("261107")
    simplified = texts.outcome_letter(outcome, language="zh-Hans")
    assert "处理方式：折让 1,200.00" in simplified.text
    rejected = texts.outcome_letter(
        texts.Outcome(case_no="261108", customer="Acme", received_on=date(2026, 11, 2),
                      closed_on=date(2026, 11, 12), handling="not_valid"), language="en")
    assert "not upheld" in rejected.text and "nothing more you need to do" in rejected.text


async def test_q26_a_filed_complaint_keeps_the_customers_contact_for_its_letter(
    world: World,
) -> None:
    data = ComplaintIn.model_validate({**FILING, "customer_email": "buyer@Acme.DE",
                                       "customer_language": "en",
                                       "customer_address": "Hauptstr. 1, Berlin"})
    async with world.db.transaction() as session:
        case = await steps.file_complaint(world.ctx, session, actor=Actor("E-S1", "sales"),
                                          data=data)
    assert (case.customer_email, case.customer_language, case.customer_address) == (
        "buyer@acme.de", "en", "Hauptstr. 1, Berlin")
    with pytest.raises(ValueError):
        ComplaintIn.model_validate({**FILING, "customer_email": "not an address"})
