"""One winner on both engines (issue 11): the same step, approval or penalty decision sent
20 times at once leaves exactly one effect, one audit entry and one event; the others 409.

PostgreSQL: the case row is locked FOR UPDATE before its state is checked; SQLite: writers
are serialised by ``BEGIN IMMEDIATE`` (shared.db). SPEC C9.4 (the current step only), P2/P3.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.helpers import running, token
from tests.infra import ENGINES

from ..support import (
    GM_OFFICE,
    QA,
    SALES,
    SALES_MANAGER,
    at_once,
    audit_count,
    file,
    outbox_count,
    step,
    walk_to_approval,
    watchers_by_hand,
)

pytestmark = [pytest.mark.integration,
              pytest.mark.parametrize("engine", ENGINES)]
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
TIMES = 20


def _app(ns, engine):
    app = create_app(ns.on_engine("complaints", engine), clock=FixedClock(NOV))
    watchers_by_hand(app)
    return app


async def test_c9_4_twenty_registrations_at_once_record_one(ns, engine) -> None:
    app = _app(ns, engine)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/steps/registration", json={"note": f"try {i}"},
            headers=GM_OFFICE))
        assert Counter(r.status_code for r in answers) == {200: 1, 409: TIMES - 1}
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        assert [e["step"] for e in case["timeline"]] == ["registration"]
        assert case["current_step"] == "qa_analysis"
        assert await audit_count(app, "step.registration.completed", case_no) == 1
        assert await outbox_count(app, "complaints.case.filed.v1") == 1


async def test_c9_4_twenty_qa_analyses_with_different_causes_decide_once(ns, engine) -> None:
    app = _app(ns, engine)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        await step(client, case_no, "registration", GM_OFFICE)
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/steps/qa_analysis", headers=QA,
            json={"cause": f"cause {i}", "rnd_required": False, "responsible_unit": f"u{i}"}))
        assert Counter(r.status_code for r in answers) == {200: 1, 409: TIMES - 1}
        [winner] = [r.json() for r in answers if r.status_code == 200]
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        [entry] = [e for e in case["timeline"] if e["step"] == "qa_analysis"]
        assert entry["decision"] == case["decisions"]["qa_analysis"]
        assert case["decisions"] == winner["decisions"]  # no later writer overwrote it
        assert case["responsible_unit"] == entry["decision"]["responsible_unit"]
        assert await audit_count(app, "step.qa_analysis.completed", case_no) == 1


async def test_c9_4_twenty_approvals_and_executions_at_once_close_the_case_once(
    ns, engine,
) -> None:
    app = _app(ns, engine)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        await walk_to_approval(client, case_no, amount="3000.00")
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/steps/approval", json={"approved": True},
            headers=SALES_MANAGER))
        assert Counter(r.status_code for r in answers) == {200: 1, 409: TIMES - 1}
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/steps/execution", json={}, headers=SALES))
        assert Counter(r.status_code for r in answers) == {200: 1, 409: TIMES - 1}
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        assert case["status"] == "closed"
        assert [e["step"] for e in case["timeline"]].count("execution") == 1
        assert await audit_count(app, "step.approval.completed", case_no) == 1
        assert await audit_count(app, "complaint.closed", case_no) == 1
        # C9.8: the five copies, issued once.
        assert await outbox_count(app, "complaints.copy.issued.v1") == len(case["copies_to"])


async def test_p2_p3_a_penalty_decision_posted_twenty_times_is_recorded_once(
    ns, engine,
) -> None:
    app = _app(ns, engine)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        await walk_to_approval(client, case_no, handling="allowance")
        await step(client, case_no, "approval", SALES_MANAGER, approved=True)
        await step(client, case_no, "execution", SALES)
        admin = {"person_id": "E-S1", "department": "sales", "unit": "export",
                 "level": "warning", "ground": "late_delivery"}
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/penalties/administrative", json=admin, headers=GM_OFFICE))
        assert Counter(r.status_code for r in answers) == {201: 1, 409: TIMES - 1}
        economic = {"loss": "900.00", "parties": [
            {"department": "sales", "unit": "export", "individual": "E-S2"}]}
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/penalties/economic", json=economic, headers=GM_OFFICE))
        assert Counter(r.status_code for r in answers) == {201: 1, 409: TIMES - 1}
        lines = (await client.get(f"/complaints/{case_no}/penalties",
                                  headers=GM_OFFICE)).json()
        assert sorted((x["person_id"], x["kind"]) for x in lines) == [
            ("E-S1", "administrative"), ("E-S2", "economic")]
        assert await audit_count(app, "penalty.decided", case_no) == 2


async def test_c9_12_a_petition_answered_twenty_times_at_once_is_decided_once(
    ns, engine,
) -> None:
    app = _app(ns, engine)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        r = await client.post(f"/complaints/{case_no}/petitions", headers=QA,
                              json={"reason": "not our fault", "addressed_to": "gm"})
        assert r.status_code == 201, r.text
        petition = r.json()["id"]
        gm = token("gm", "E-GM", None)
        answers = await at_once(TIMES, lambda i: client.post(
            f"/complaints/{case_no}/petitions/{petition}/decision", headers=gm,
            json={"decision": "upheld" if i % 2 else "rejected"}))
        assert Counter(r.status_code for r in answers) == {200: 1, 409: TIMES - 1}
        assert await audit_count(app, "petition.decided", case_no) == 1
