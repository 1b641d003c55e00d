"""Clause 九's hops over HTTP (SPEC C9.4b, C9.5, C9.2b, C7.4, R2b): the full manufacturer
chain, a company's definition with a hop switched off, and a case keeping the definition
it was filed under."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from services.complaints.domain.profiles import MANUFACTURER_FULL
from shared.clock import FixedClock
from tests.helpers import running, token

from ..support import (
    ADMIN,
    GM,
    GM_OFFICE,
    MFG,
    QA,
    SALES,
    SALES_MANAGER,
    VICE_GM,
    file,
    step,
    watchers_by_hand,
)

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
PRODUCTION = {"production_unit": "assembly group 3", "machine_or_shift": "line 2, day shift",
              "production_staff": "Li Wei", "production_date": "2026-10-12"}


@pytest.fixture
async def client(ns):
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        yield client


async def test_c9_4b_c9_5_c9_2b_c7_4_full_chain_over_http(client) -> None:
    case_no = (await file(client, profile="manufacturer_full",
                          joint_inspection_on="2026-11-14"))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    # C9.2b: QA could not go; the GM assigns someone, who reports to the GM.
    body = await step(client, case_no, "joint_inspection", QA, qa_attended=False)
    assert (body["current_step"], body["owner_role"]) == ("inspection_assignment", "gm")
    await step(client, case_no, "inspection_assignment", GM, assigned_to="Zhao")
    await step(client, case_no, "assigned_inspection_report", GM,
               inspection_report="voids on 40 boards", inspected_on="2026-11-14")
    await step(client, case_no, "qa_analysis", QA, cause="solder voids", rnd_required=False,
               responsible_unit="assembly")
    # C7.4: the production details are required here and kept on the case.
    await step(client, case_no, "manufacturing_countermeasure", MFG, expect=422,
               countermeasure="reflow")
    await step(client, case_no, "manufacturing_countermeasure", MFG,
               countermeasure="reflow profile corrected", **PRODUCTION)
    # C9.4b: the manager's office comments, the GM office checks, then sales.
    await step(client, case_no, "manager_comment", GM_OFFICE, expect=403, comment="x")
    await step(client, case_no, "manager_comment", VICE_GM, comment="agree; watch line 2")
    body = await step(client, case_no, "gm_office_check", GM_OFFICE, accepted=True)
    assert body["current_step"] == "sales_negotiation"
    await step(client, case_no, "sales_negotiation", SALES, handling="allowance",
               amount="3000.00", customer_answer="accepts 3000")
    # C9.5: the sales supervisor sends it back once, then accepts.
    body = await step(client, case_no, "sales_review", SALES_MANAGER, accepted=False,
                      note="ask for a lower figure")
    assert body["current_step"] == "sales_negotiation"
    await step(client, case_no, "sales_negotiation", SALES, handling="allowance",
               amount="2500.00", customer_answer="accepts 2500")
    body = await step(client, case_no, "sales_review", SALES_MANAGER, accepted=True)
    assert body["current_step"] == "consolidation"
    assert body["approved_amount"] is None  # a review approves no money (C9.4)
    await step(client, case_no, "consolidation", GM_OFFICE, summary="agreed")
    body = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
    assert {k: body[k] for k in PRODUCTION} == PRODUCTION
    assert [e["step"] for e in body["timeline"]].count("sales_review") == 2


async def test_c9_4b_company_switches_a_hop_off_and_a_case_keeps_its_definition(
    client,
) -> None:
    lean = copy.deepcopy(MANUFACTURER_FULL)
    lean.pop("approval_matrix")  # the default matrix (a pydantic object in the data)
    lean["profile"] = "lean"
    for s in lean["steps"]:
        if s["name"] == "manager_comment":
            s["enabled"] = False
    r = await client.put("/profiles/lean", json=lean, headers=ADMIN)
    assert r.status_code == 201, r.text
    listed = {s["name"]: s["enabled"] for s in r.json()["steps"]}
    assert listed["manager_comment"] is False and listed["gm_office_check"] is True

    old = (await file(client, profile="lean"))["case_no"]
    # The company switches the hop back on; the case filed before keeps its definition.
    for s in lean["steps"]:
        s["enabled"] = True
    assert (await client.put("/profiles/lean", json=lean, headers=ADMIN)).status_code == 200
    new = (await file(client, profile="lean"))["case_no"]
    for case_no in (old, new):
        await step(client, case_no, "registration", GM_OFFICE)
        await step(client, case_no, "qa_analysis", QA, cause="c", rnd_required=False,
                   responsible_unit="u")
        body = await step(client, case_no, "manufacturing_countermeasure", MFG,
                          countermeasure="m", **PRODUCTION)
        expected = "gm_office_check" if case_no == old else "manager_comment"
        assert body["current_step"] == expected
    await step(client, old, "manager_comment", VICE_GM, expect=409, comment="too late")


async def test_c9_4b_shipped_manufacturer_walks_the_contract_chain(client) -> None:
    case_no = (await file(client))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", rnd_required=False,
               responsible_unit="u")
    body = await step(client, case_no, "manufacturing_countermeasure", MFG,
                      countermeasure="m", production_unit="group 1")
    assert body["current_step"] == "sales_negotiation"
    assert body["production_unit"] == "group 1"  # C7.4 taken when given
    await step(client, case_no, "manager_comment", VICE_GM, expect=409, comment="off")


async def test_c9_4b_case_page_form_generated_for_the_new_hop(client) -> None:
    case_no = (await file(client, profile="manufacturer_full"))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", rnd_required=False,
               responsible_unit="u")
    await step(client, case_no, "manufacturing_countermeasure", MFG, countermeasure="m",
               **PRODUCTION)
    page = await client.get(f"/cases/{case_no}?lang=en", headers=VICE_GM)
    assert page.status_code == 200
    assert 'action="/cases/' in page.text and 'name="comment"' in page.text
    assert "Manager's office comment" in page.text or "Manager&#39;s office comment" in page.text
    other = await client.get(f"/cases/{case_no}?lang=en", headers=SALES)
    assert 'name="comment"' not in other.text  # only the hop's owner gets its form


async def test_r2b_counter_group_leader_registers_and_owns_the_deadline(client) -> None:
    lead = token("counter_lead", "L01")
    r = await client.post("/complaints", headers=lead, json={
        "profile": "retail", "market": "domestic", "classification": "quality",
        "customer": "Wang", "demand": "TV has dead pixels", "branch": "SC01"})
    assert r.status_code == 201, r.text
    case_no = r.json()["case_no"]
    body = (await client.get(f"/complaints/{case_no}", headers=lead)).json()
    assert body["owner_role"] == "counter_lead"
    body = await step(client, case_no, "registration", lead, sales_slip_no="POS-9")
    assert body["current_step"] == "staff_investigation"
