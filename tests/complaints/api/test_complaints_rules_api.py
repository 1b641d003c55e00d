"""CONTRACT 4xx answers and the filing and decision rules through the API.

SPEC C9.1 (filing data), C9.2 (joint inspection), C5/R1 (classification), C9.4 (owners,
order, approval matrix), C9.14 (not valid), §8 (a rejected request changes nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.helpers import running, token

from ..support import (
    FILING,
    GM,
    GM_OFFICE,
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


async def test_c9_4_contract_4xx_answers_name_field_and_change_nothing(client) -> None:
    assert (await client.post("/complaints", json=FILING)).status_code == 401
    r = await client.post("/complaints", json=FILING, headers=QA)
    assert r.status_code == 403 and r.json()["field"] == "profile"
    r = await client.post("/complaints", json={**FILING, "profile": "bakery"}, headers=SALES)
    assert r.status_code == 422 and r.json()["field"] == "profile"
    r = await client.post("/complaints", json={**FILING, "quantity": "many"}, headers=SALES)
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    r = await client.post("/complaints", json={**FILING, "market": "moon"}, headers=SALES)
    assert r.status_code == 422 and r.json()["field"] == "market"
    assert (await client.get("/complaints/999999", headers=QA)).status_code == 404
    assert (await client.get("/complaints/999999", headers=token("pos"))).status_code == 403

    case_no = (await file(client))["case_no"]
    url = f"/complaints/{case_no}/steps"
    r = await client.post(f"{url}/qa_analysis", json={"cause": "x"}, headers=QA)
    assert r.status_code == 409 and r.json()["rule"] == "C9.4"  # not the current step
    r = await client.post(f"{url}/registration", json={}, headers=QA)
    assert r.status_code == 403 and "gm_office" in r.json()["detail"]
    r = await client.post(f"{url}/polishing", json={}, headers=GM_OFFICE)
    assert r.status_code == 422 and r.json()["field"] == "step"
    await step(client, case_no, "registration", GM_OFFICE)
    r = await client.post(f"{url}/qa_analysis", json={"cause": "voids", "rnd_required": True},
                          headers=QA)
    assert r.status_code == 422 and r.json()["field"] == "responsible_unit"
    r = await client.post(f"{url}/qa_analysis", headers=QA, json={
        "cause": "voids", "responsible_unit": "assembly", "rnd_required": "perhaps"})
    assert r.status_code == 422 and r.json()["field"] == "rnd_required"
    r = await client.post(f"{url}/qa_analysis", headers=QA, json={
        "cause": "voids", "responsible_unit": "assembly", "rnd_required": False,
        "colour": "red"})
    assert r.status_code == 422 and r.json()["field"] == "colour"
    r = await client.post(f"{url}/qa_analysis", headers=QA, json={
        "cause": "voids", "responsible_unit": "assembly", "rnd_required": False,
        "at": "2026-11-30T00:00:00+00:00"})
    assert r.status_code == 422 and r.json()["field"] == "at"
    case = (await client.get(f"/complaints/{case_no}", headers=QA)).json()
    assert case["current_step"] == "qa_analysis" and len(case["timeline"]) == 1
    assert (await client.post(f"/complaints/{case_no}/steps/registration", json={},
                              headers=GM_OFFICE)).status_code == 409


async def test_c9_1_filing_requires_order_part_ship_date_and_quantity(client) -> None:
    for missing in ("order_no", "part_no", "ship_date", "quantity"):
        r = await client.post("/complaints", json={**FILING, missing: None}, headers=SALES)
        assert r.status_code == 422, missing
        assert (r.json()["field"], r.json()["rule"]) == (missing, "C9.1")
    r = await client.post("/complaints", json={**FILING, "defective_quantity": 501},
                          headers=SALES)
    assert r.json()["field"] == "defective_quantity" and r.json()["rule"] == "C9.1"
    # Undetermined while the customer is still processing; a return then needs the quantity.
    case_no = (await file(client, defective_quantity=None))["case_no"]
    assert (await client.get(f"/complaints/{case_no}", headers=SALES)).json()[
        "defective_quantity"] is None
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", responsible_unit="u",
               rnd_required=False)
    await step(client, case_no, "manufacturing_countermeasure", token("manufacturing"),
               countermeasure="m")
    r = await client.post(f"/complaints/{case_no}/steps/sales_negotiation", headers=SALES,
                          json={"handling": "return", "amount": "100.00"})
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (
        422, "return_quantity", "C9.1")
    await step(client, case_no, "sales_negotiation", SALES, handling="return", amount="100.00",
               return_quantity=12)


async def test_c9_2_joint_inspection_happens_before_filing(client) -> None:
    filed = await file(client, joint_inspection_on="2026-11-10",
                       joint_inspection_note="with the customer's QC at their plant")
    case = (await client.get(f"/complaints/{filed['case_no']}", headers=SALES)).json()
    assert case["joint_inspection_on"] == "2026-11-10"
    r = await client.post("/complaints", json={**FILING, "joint_inspection_on": "2026-11-20"},
                          headers=SALES)
    assert (r.status_code, r.json()["rule"]) == (422, "C9.2")


async def test_c5_manufacturer_takes_quality_and_non_quality_r1_retail_adds_service(
    client,
) -> None:
    assert (await file(client, classification="non_quality"))["case_no"]
    r = await client.post("/complaints", json={**FILING, "classification": "service"},
                          headers=SALES)
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "classification", "R1")
    r = await client.post("/complaints", headers=token("counter", "K1"), json={
        "profile": "retail", "market": "domestic", "classification": "service",
        "customer": "Li", "demand": "rude delivery crew"})
    assert r.status_code == 201, r.text


async def test_c9_4_approval_level_comes_from_the_matrix(client) -> None:
    # A lower authority never approves a higher amount (a higher one may approve a lower
    # amount: tests/complaints/api/test_complaints_approval_api.py).
    for amount, approver, others in (
        ("5000.00", SALES_MANAGER, (SALES,)),
        ("50000.00", VICE_GM, (SALES_MANAGER,)),
        ("50000.01", GM, (VICE_GM, SALES_MANAGER)),
    ):
        case_no = (await file(client))["case_no"]
        await walk_to_approval(client, case_no, amount=amount)
        for other in others:
            r = await client.post(f"/complaints/{case_no}/steps/approval", headers=other,
                                  json={"approved": True})
            assert r.status_code == 403, amount
        await step(client, case_no, "approval", approver, approved=True)
    # A refused approval sends the case back to sales (C9.4 [choice]).
    case_no = (await file(client))["case_no"]
    await walk_to_approval(client, case_no)
    back = await step(client, case_no, "approval", SALES_MANAGER, approved=False,
                      note="too generous")
    assert back["current_step"] == "sales_negotiation"


async def test_c9_14_not_valid_complaint_carries_no_amount(client) -> None:
    case_no = (await file(client))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="customer misuse",
               responsible_unit="none", rnd_required=False)
    await step(client, case_no, "manufacturing_countermeasure", token("manufacturing"),
               countermeasure="none needed")
    r = await client.post(f"/complaints/{case_no}/steps/sales_negotiation", headers=SALES,
                          json={"handling": "not_valid", "amount": "10.00"})
    assert (r.status_code, r.json()["rule"]) == (422, "C9.14")
    await step(client, case_no, "sales_negotiation", SALES, handling="not_valid", amount="0")
    body = await step(client, case_no, "consolidation", GM_OFFICE, summary="not valid")
    assert body["owner_role"] == "sales_manager"
    await step(client, case_no, "approval", SALES_MANAGER, approved=True)
    closed = await step(client, case_no, "execution", SALES)
    assert closed["improvement"] == {"required": False, "done_at": None, "note": None}
    r = await client.post(f"/complaints/{case_no}/penalties/economic", headers=GM_OFFICE,
                          json={"loss": "10.00", "parties": [
                              {"department": "sales", "unit": "sales", "individual": "E1"}]})
    assert (r.status_code, r.json()["rule"]) == (409, "C9.14")
