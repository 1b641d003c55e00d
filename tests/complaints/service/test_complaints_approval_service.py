"""Approval as the seed means it (SPEC C9.4 核決權限, C9.11), Q26 severity, and what the
filing tells billing (C13.2(3)), on the fakes of shared.testing.

Thresholds come from the company's configuration (``AFTERSALES_APPROVAL_MATRIX_FILE``), a
higher authority may approve a lower amount (policy, default yes), the top tier has a
ceiling, and the approver and the approved amount are on the record; what sales carries
out never exceeds it, and the copies carry it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.complaints.models import Base, plumbing
from services.complaints.schemas.cases import ComplaintIn
from services.complaints.service import cases, steps
from shared.auth import Actor
from shared.clock import FixedClock
from shared.events.survey import SurveyComplaintRaised
from shared.rules import Forbidden, RuleBroken
from shared.settings import Settings
from shared.testing import fake_context, memory_database

from ..support import FILING

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
SALES = Actor("E-S1", "sales")
GM_OFFICE = Actor("E-G1", "gm_office")
QA = Actor("E-Q1", "qa")
MFG = Actor("E-M1", "manufacturing")
SALES_MANAGER = Actor("E-SM", "sales_manager")
VICE_GM = Actor("E-VG", "vice_gm")
GM = Actor("E-GM", "gm")
SERVICE_DEPT = Actor("E-SD", "service_dept")


class World:
    def __init__(self, ctx: Any, outbox: Any, db: Any, clock: FixedClock) -> None:
        self.ctx, self.outbox, self.db, self.clock = ctx, outbox, db, clock

    async def file(self, actor: Actor = SALES, **changes: Any) -> str:
        async with self.db.transaction() as session:
            case = await steps.file_complaint(
                self.ctx, session, actor=actor,
                data=ComplaintIn.model_validate({**FILING, **changes}))
            return case.case_no

    async def do(self, case_no: str, name: str, actor: Actor, **body: Any) -> Any:
        self.clock.advance(timedelta(minutes=10))
        async with self.db.transaction() as session:
            await steps.complete_step(self.ctx, session, actor=actor, case_no=case_no,
                                      step=name, body=body)
        return await self.view(case_no)

    async def view(self, case_no: str) -> Any:
        async with self.db.reading() as session:
            return await cases.case_view(session, await cases.find_case(session, case_no))

    async def to_approval(self, case_no: str, amount: str) -> None:
        await self.do(case_no, "registration", GM_OFFICE)
        await self.do(case_no, "qa_analysis", QA, cause="voids", responsible_unit="assembly",
                      rnd_required=False)
        await self.do(case_no, "manufacturing_countermeasure", MFG, countermeasure="reflow")
        await self.do(case_no, "sales_negotiation", SALES, handling="allowance", amount=amount)
        await self.do(case_no, "consolidation", GM_OFFICE, summary="agreed")


def _world(tmp_path: Path, matrix: dict[str, Any] | None = None) -> Any:
    values: dict[str, Any] = {"service": "complaints"}
    if matrix is not None:
        path = tmp_path / "approval-matrix.json"
        path.write_text(json.dumps(matrix), encoding="utf-8")
        values["approval_matrix_file"] = path
    clock = FixedClock(NOV)
    ctx, outbox = fake_context(plumbing, clock=clock, settings=Settings(**values))
    return ctx, outbox, clock


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    ctx, outbox, clock = _world(tmp_path)
    async with memory_database(Base.metadata) as db:
        yield World(ctx, outbox, db, clock)


COMPANY = {"manufacturer": {"tiers": [
    {"role": "sales_manager", "up_to": "1000.00"},
    {"role": "vice_gm", "up_to": "80000.00"},
    {"role": "gm", "up_to": "200000.00"},
]}}


async def test_c9_4_thresholds_come_from_the_company_configuration(tmp_path) -> None:
    ctx, outbox, clock = _world(tmp_path, COMPANY)
    async with memory_database(Base.metadata) as db:
        w = World(ctx, outbox, db, clock)
        case_no = await w.file()
        await w.to_approval(case_no, "3000.00")  # built in: the sales manager's; here not
        assert (await w.view(case_no)).owner_role == "vice_gm"
        with pytest.raises(Forbidden):
            await w.do(case_no, "approval", SALES_MANAGER, approved=True)
        await w.do(case_no, "approval", VICE_GM, approved=True)
        # C9.11: the company's GM ceiling bounds what sales may propose.
        other = await w.file()
        with pytest.raises(RuleBroken) as err:
            await w.to_approval(other, "200000.01")
        assert (err.value.field, err.value.rule) == ("amount", "C9.11")


async def test_c9_4_the_higher_authority_policy_is_the_companys(tmp_path) -> None:
    strict = {"manufacturer": {**COMPANY["manufacturer"], "higher_may_approve": False}}
    ctx, outbox, clock = _world(tmp_path, strict)
    async with memory_database(Base.metadata) as db:
        w = World(ctx, outbox, db, clock)
        case_no = await w.file()
        await w.to_approval(case_no, "500.00")
        with pytest.raises(Forbidden):
            await w.do(case_no, "approval", GM, approved=True)
        await w.do(case_no, "approval", SALES_MANAGER, approved=True)


async def test_c9_4_a_gm_approves_a_lower_amount_and_the_approval_is_on_the_record(
    world,
) -> None:
    case_no = await world.file()
    await world.to_approval(case_no, "1000.00")
    view = await world.do(case_no, "approval", GM, approved=True)
    assert (view.approved_amount, view.approved_by, view.approved_role) == (
        Decimal("1000.00"), "E-GM", "gm")
    assert view.approved_at == world.clock.now()
    assert view.current_step == "execution"


async def test_c9_4_a_sales_manager_may_not_approve_60000(world) -> None:
    case_no = await world.file()
    await world.to_approval(case_no, "60000.00")
    with pytest.raises(Forbidden):
        await world.do(case_no, "approval", SALES_MANAGER, approved=True)
    with pytest.raises(Forbidden):
        await world.do(case_no, "approval", VICE_GM, approved=True)
    view = await world.do(case_no, "approval", GM, approved=True)
    assert view.approved_amount == Decimal("60000.00")


async def test_c9_11_a_promise_above_the_gm_ceiling_is_refused(world) -> None:
    case_no = await world.file()
    with pytest.raises(RuleBroken) as err:
        await world.to_approval(case_no, "99999999.00")
    assert (err.value.field, err.value.rule) == ("amount", "C9.11")


async def test_c9_11_execution_never_exceeds_what_was_approved(world) -> None:
    case_no = await world.file()
    await world.to_approval(case_no, "1000.00")
    await world.do(case_no, "approval", SALES_MANAGER, approved=True)
    with pytest.raises(RuleBroken) as err:
        await world.do(case_no, "execution", SALES, amount="1000.01")
    assert (err.value.field, err.value.rule) == ("amount", "C9.11")
    closed = await world.do(case_no, "execution", SALES, amount="900.00")
    assert closed.status == "closed" and closed.approved_amount == Decimal("1000.00")
    copies = [e for e in world.outbox.committed
              if e.event_type == "complaints.copy.issued.v1"]
    assert {c.amount for c in copies} == {"900.00"}  # never above the approval


async def test_c9_11_the_copies_carry_the_approved_amount(world) -> None:
    case_no = await world.file()
    await world.to_approval(case_no, "1000.00")
    await world.do(case_no, "approval", VICE_GM, approved=True)
    await world.do(case_no, "execution", SALES)
    copies = [e for e in world.outbox.committed
              if e.event_type == "complaints.copy.issued.v1"]
    assert len(copies) == 5 and {c.amount for c in copies} == {"1000.00"}


async def test_c9_4_a_refused_approval_leaves_no_approved_amount(world) -> None:
    case_no = await world.file()
    await world.to_approval(case_no, "1000.00")
    view = await world.do(case_no, "approval", SALES_MANAGER, approved=False)
    assert view.current_step == "sales_negotiation" and view.approved_amount is None


SERVICE_FILING = {"profile": "service", "market": "domestic", "classification": "service",
                  "customer": "Wu Mei", "demand": "the technician was rude"}


async def test_q26_the_service_department_must_give_severity_when_it_files(world) -> None:
    async with world.db.transaction() as session:
        with pytest.raises(RuleBroken) as err:
            await steps.file_complaint(world.ctx, session, actor=SERVICE_DEPT,
                                       data=ComplaintIn.model_validate(SERVICE_FILING))
    assert (err.value.field, err.value.rule) == ("severity", "Q26")
    async with world.db.transaction() as session:
        case = await steps.file_complaint(
            world.ctx, session, actor=SERVICE_DEPT,
            data=ComplaintIn.model_validate({**SERVICE_FILING, "severity": "serious",
                                             "branch": "SC01"}))
        case_no = case.case_no
    view = await world.do(case_no, "registration", SERVICE_DEPT)
    assert view.severity == "serious" and view.triaged_by == "E-SD"
    assert view.current_step == "vice_gm_handling"  # Q26: at once to the vice GM
    [filed] = [e for e in world.outbox.committed if e.event_type == "complaints.case.filed.v1"]
    assert filed.severity == "serious"


async def test_q26_a_survey_case_takes_the_triaged_severity_and_keeps_the_customers(
    world,
) -> None:
    event = SurveyComplaintRaised(
        card_id=41, call_id=7, voucher_no="SC01-000007", branch="SC01", technician_id="T01",
        customer_name="Wu Mei", severity="serious", text="no-show twice", occurred_at=NOV,
        customer_severity="general", triage_reason="second missed visit", triaged_by="E-SD",
    )
    async with world.db.transaction() as session:
        case = await steps.file_from_survey(world.ctx, session, event)
        case_no = case.case_no
    view = await world.do(case_no, "registration", SERVICE_DEPT)
    assert (view.severity, view.customer_severity, view.triage_reason, view.triaged_by) == (
        "serious", "general", "second missed visit", "E-SD")
    assert view.current_step == "vice_gm_handling"
    [filed] = [e for e in world.outbox.committed if e.event_type == "complaints.case.filed.v1"]
    assert (filed.severity, filed.branch) == ("serious", "SC01")


async def test_c13_2_3_complaint_filed_carries_what_billing_needs(world) -> None:
    await world.file(store_id="ST01")
    [filed] = [e for e in world.outbox.committed if e.event_type == "complaints.case.filed.v1"]
    assert (filed.filed_at, filed.market, filed.customer, filed.order_no, filed.part_no,
            filed.store_id, filed.branch) == (
        NOV, "foreign", "Acme GmbH", "SO-7781", "PN-220V-01", "ST01", None)


async def test_q26_a_survey_case_runs_from_the_customers_answer_not_the_triage(world) -> None:
    """Q26 應即: the service department's registration clock starts when the customer
    answered, so a complaint left untriaged for two days is already late."""
    answered = NOV - timedelta(days=2)
    event = SurveyComplaintRaised(
        card_id=42, call_id=8, voucher_no="SC01-000008", branch="SC01", technician_id="T01",
        customer_name="Li Lei", severity="general", text="rude", occurred_at=NOV,
        customer_severity="general", triaged_by="E-SD", answered_at=answered,
    )
    async with world.db.transaction() as session:
        case = await steps.file_from_survey(world.ctx, session, event)
        assert case.received_at == answered
        assert case.step_started_at == answered
        assert case.step_due_at is not None and case.step_due_at < NOV
