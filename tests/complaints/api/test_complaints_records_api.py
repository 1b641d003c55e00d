"""Beside the chain: appeals (C9.9), petitions (C9.12), suppliers (C9.13), improvement (C9.7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.helpers import running, token

from ..support import (
    GM,
    GM_OFFICE,
    MFG,
    QA,
    SALES,
    SALES_MANAGER,
    VICE_GM,
    file,
    step,
    walk_to_approval,
    watchers_by_hand,
)

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


@pytest.fixture
async def client(ns):
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        yield client


async def _closed(client, **qa) -> str:
    case_no = (await file(client))["case_no"]
    await walk_to_approval(client, case_no, **qa)
    await step(client, case_no, "approval", SALES_MANAGER, approved=True)
    await step(client, case_no, "execution", SALES)
    return case_no


async def test_c9_9_customer_rejects_decision_new_case_linked_to_original(client) -> None:
    original = (await file(client))["case_no"]
    r = await client.post(f"/complaints/{original}/appeal", json={"demand": "more"},
                          headers=SALES)
    assert (r.status_code, r.json()["rule"]) == (409, "C9.9")  # not decided yet
    await walk_to_approval(client, original)
    await step(client, original, "approval", SALES_MANAGER, approved=True)
    await step(client, original, "execution", SALES)
    r = await client.post(f"/complaints/{original}/appeal", headers=QA,
                          json={"demand": "full refund"})
    assert r.status_code == 403  # sales files the new form
    r = await client.post(f"/complaints/{original}/appeal", headers=SALES,
                          json={"demand": "full refund instead of allowance"})
    assert r.status_code == 201, r.text
    appeal = r.json()
    assert appeal["appeal_of"] == original and appeal["case_no"] != original
    assert appeal["current_step"] == "registration"
    new = (await client.get(f"/complaints/{appeal['case_no']}", headers=SALES)).json()
    assert (new["order_no"], new["demand"]) == ("SO-7781", "full refund instead of allowance")
    old = (await client.get(f"/complaints/{original}", headers=SALES)).json()
    assert old["appeals"] == [appeal["case_no"]]


async def test_c9_12_disagreeing_department_petitions_its_superiors(client) -> None:
    case_no = (await file(client))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", responsible_unit="assembly",
               rnd_required=False)
    r = await client.post(f"/complaints/{case_no}/petitions", headers=MFG, json={
        "step": "qa_analysis", "reason": "the fault lies with the supplier's resin",
        "addressed_to": "vice_gm"})
    assert r.status_code == 201, r.text
    petition = r.json()
    assert (petition["department"], petition["by"], petition["decision"]) == (
        "manufacturing", "E-M1", None)
    bad = await client.post(f"/complaints/{case_no}/petitions", headers=MFG,
                            json={"step": "painting", "reason": "x"})
    assert (bad.status_code, bad.json()["field"]) == (422, "step")
    url = f"/complaints/{case_no}/petitions/{petition['id']}/decision"
    assert (await client.post(url, json={"decision": "upheld"}, headers=GM)).status_code == 403
    r = await client.post(url, json={"decision": "upheld", "note": "QA to re-examine"},
                          headers=VICE_GM)
    assert r.status_code == 200 and r.json()["decision"] == "upheld"
    assert (await client.post(url, json={"decision": "rejected"},
                              headers=VICE_GM)).status_code == 409
    case = (await client.get(f"/complaints/{case_no}", headers=MFG)).json()
    assert [p["decided_by"] for p in case["petitions"]] == ["E-VG"]


async def test_c9_13_gm_office_coordinates_with_a_responsible_supplier(client) -> None:
    case_no = (await file(client))["case_no"]
    url = f"/complaints/{case_no}/supplier-coordination"
    body = {"supplier": "Resin Co", "outcome": "supplier credits the resin",
            "recovered_amount": "1500.00"}
    r = await client.post(url, json=body, headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (409, "C9.13")  # nobody named a supplier
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="brittle resin",
               responsible_unit="supplier", rnd_required=False, supplier="Resin Co",
               cause_category="supplier")
    await step(client, case_no, "manufacturing_countermeasure", MFG, countermeasure="incoming QC")
    await step(client, case_no, "sales_negotiation", SALES, handling="allowance",
               amount="2000.00")
    r = await client.post(f"/complaints/{case_no}/steps/consolidation", headers=GM_OFFICE,
                          json={"summary": "s"})
    assert (r.status_code, r.json()["rule"], r.json()["field"]) == (409, "C9.13", "supplier")
    assert (await client.post(url, json=body, headers=SALES)).status_code == 403
    r = await client.post(url, json=body, headers=GM_OFFICE)
    assert r.status_code == 201 and r.json()["recovered_amount"] == "1500.00"
    await step(client, case_no, "consolidation", GM_OFFICE, summary="supplier pays")


async def test_c9_7_our_fault_is_tracked_unless_human_negligence(client) -> None:
    case_no = (await file(client))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", responsible_unit="assembly",
               rnd_required=False, cause_category="process")
    await step(client, case_no, "manufacturing_countermeasure", MFG, countermeasure="m")
    await step(client, case_no, "sales_negotiation", SALES, handling="reprocess", amount="900")
    r = await client.post(f"/complaints/{case_no}/steps/consolidation", headers=GM_OFFICE,
                          json={"summary": "s", "improvement_tracking": False})
    assert (r.status_code, r.json()["rule"]) == (422, "C9.7")
    await step(client, case_no, "consolidation", GM_OFFICE, summary="s", loss_amount="900.00")
    await step(client, case_no, "approval", SALES_MANAGER, approved=True)
    closed = await step(client, case_no, "execution", SALES)
    assert closed["improvement"]["required"] is True
    url = f"/complaints/{case_no}/improvement"
    assert (await client.post(url, json={"result": "x"}, headers=SALES)).status_code == 403
    r = await client.post(url, json={"result": "new reflow oven profile"}, headers=QA)
    assert r.status_code == 200 and r.json()["improvement"]["note"] == "new reflow oven profile"
    assert (await client.post(url, json={"result": "again"}, headers=QA)).status_code == 409

    exempt = await _closed(client, cause_category="human_negligence")
    case = (await client.get(f"/complaints/{exempt}", headers=QA)).json()
    assert case["improvement"]["required"] is False
    r = await client.post(f"/complaints/{exempt}/improvement", json={"result": "x"},
                          headers=token("qa"))
    assert (r.status_code, r.json()["rule"]) == (409, "C9.7")
