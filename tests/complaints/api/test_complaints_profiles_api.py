"""The chain as data: GET /profiles, PUT /profiles/{name} (SPEC §3, C9.4, C9.11)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from services.complaints.domain.profiles import MANUFACTURER
from shared.clock import FixedClock
from tests.helpers import running

from ..support import ADMIN, FILING, GM_OFFICE, MFG, QA, SALES, step, watchers_by_hand

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def _capped() -> dict:
    data = copy.deepcopy(MANUFACTURER)
    data.pop("approval_matrix")
    data["profile"] = "capped"
    data["approval_matrix"] = {"tiers": [{"role": "sales_manager", "up_to": "5000.00"},
                                         {"role": "gm", "up_to": "100000.00"}]}
    return data


@pytest.fixture
async def client(ns):
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        yield client


async def test_c9_4_profiles_listed_with_their_steps_and_company_may_load_its_own(
    client,
) -> None:
    listed = (await client.get("/profiles", headers=SALES)).json()
    assert [p["name"] for p in listed] == ["manufacturer", "manufacturer_full", "retail",
                                           "service"]
    manufacturer = listed[0]
    # CONTRACT's chain, for a case without a joint inspection (C9.2b's sub-flow runs only
    # after one); C9.4b / C9.5's hops are listed and switched off ("enabled": false).
    joint = ("joint_inspection", "inspection_assignment", "assigned_inspection_report")
    routed = [s for s in manufacturer["steps"] if s["enabled"] and s["name"] not in joint]
    assert [(s["name"], s.get("owner_role", s.get("owner_from"))) for s in routed] == [
        ("registration", "gm_office"), ("qa_analysis", "qa"),
        ("manufacturing_countermeasure", "manufacturing"), ("rnd_opinion", "rnd"),
        ("sales_negotiation", "sales"), ("consolidation", "gm_office"),
        ("approval", "approval_matrix"), ("execution", "sales"),
    ]
    assert routed[4]["allowed"] == {"domestic": {"days": "5"}, "foreign": {"days": "12"}}
    assert {s["name"] for s in manufacturer["steps"] if not s["enabled"]} == {
        "manager_comment", "gm_office_check", "sales_review"}
    assert all(s["enabled"] for s in listed[1]["steps"])  # manufacturer_full: clause 九

    assert (await client.put("/profiles/capped", json=_capped(),
                             headers=GM_OFFICE)).status_code == 403
    r = await client.put("/profiles/capped", json=_capped(), headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (await client.put("/profiles/capped", json=_capped(), headers=ADMIN)).status_code == 200
    assert [p["name"] for p in (await client.get("/profiles", headers=SALES)).json()][-1] == (
        "capped")

    broken = _capped()
    broken["steps"][1]["owner_role"] = "janitor"
    r = await client.put("/profiles/capped", json=broken, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["field"] == "steps.1" and "unknown role 'janitor'" in r.json()["detail"]
    r = await client.put("/profiles/manufacturer", json=_capped(), headers=ADMIN)
    assert r.status_code == 409
    r = await client.put("/profiles/other", json=_capped(), headers=ADMIN)
    assert (r.status_code, r.json()["field"]) == (422, "profile")


async def test_c9_11_sales_cannot_promise_above_the_approval_authority(client) -> None:
    assert (await client.put("/profiles/capped", json=_capped(), headers=ADMIN)).status_code == 201
    r = await client.post("/complaints", json={**FILING, "profile": "capped"}, headers=SALES)
    case_no = r.json()["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="c", responsible_unit="u",
               rnd_required=False)
    await step(client, case_no, "manufacturing_countermeasure", MFG, countermeasure="m")
    r = await client.post(f"/complaints/{case_no}/steps/sales_negotiation", headers=SALES,
                          json={"handling": "allowance", "amount": "100000.01"})
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "amount", "C9.11")
    body = await step(client, case_no, "sales_negotiation", SALES, handling="allowance",
                      amount="100000.00")
    assert body["current_step"] == "consolidation"
