"""Who reads a case, and input refused at the edge (issue 11; SPEC §8, C9.4).

A case is read by the roles on its route and by head office, within its branch; any other
role is refused (403), another branch's case is not theirs to know of (404). Bad input is
a 422 naming the field, never a 500 (NUL bytes, integers beyond the database's range,
implausible dates, money as floats or with more than 2 decimals).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from tests.helpers import running, token

from ..support import FILING, GM_OFFICE, QA, SALES, file, step, watchers_by_hand

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
COUNTER, LEAD = token("counter", "K01"), token("counter_lead", "L01")
RETAIL = {"profile": "retail", "market": "domestic", "classification": "quality",
          "customer": "Wang", "demand": "TV has dead pixels", "quantity": 1,
          "defective_quantity": 1}


@pytest.fixture
async def client(ns):
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        yield client


async def test_a_case_is_read_by_the_roles_on_its_route_and_head_office(client) -> None:
    made = (await file(client))["case_no"]  # manufacturer: head office's case
    for who, status in [(QA, 200), (SALES, 200), (token("gm"), 200),
                        (token("technician", "T01"), 403), (token("cashier", "C01"), 403),
                        (COUNTER, 403), (token("pos"), 403)]:
        r = await client.get(f"/complaints/{made}", headers=who)
        assert r.status_code == status, (who, r.text)

    r = await client.post("/complaints", json=RETAIL, headers=COUNTER)
    assert r.status_code == 201, r.text
    retail = r.json()["case_no"]
    for who, status in [(LEAD, 200), (COUNTER, 200), (token("cashier", "C01"), 200),
                        (token("branch_manager", "M01"), 200), (GM_OFFICE, 200),
                        (token("technician", "T01"), 403),
                        (token("cashier", "C21", "SC02"), 404),
                        (token("branch_manager", "M21", "SC02"), 404)]:
        r = await client.get(f"/complaints/{retail}", headers=who)
        assert r.status_code == status, (who, r.text)
    assert (await client.get(f"/complaints/{retail}", headers=GM_OFFICE)).json()["branch"] == (
        "SC01")  # a counter files for its own branch

    def listed(rows):
        return {row["case_no"] for row in rows}

    assert listed((await client.get("/complaints", headers=GM_OFFICE)).json()) == {made, retail}
    assert listed((await client.get("/complaints", headers=LEAD)).json()) == {retail}
    assert listed((await client.get("/complaints", headers=token("technician", "T01"))
                   ).json()) == set()
    assert listed((await client.get("/complaints", headers=token("counter_lead", "L21", "SC02"))
                   ).json()) == set()
    other = token("counter_lead", "L21", "SC02")
    r = await client.post(f"/complaints/{retail}/steps/registration", headers=other,
                          json={"sales_slip_no": "POS-1"})
    assert r.status_code == 403  # not their branch's case


@pytest.mark.parametrize(("change", "field"), [
    ({"customer": "Acme\u0000GmbH"}, "customer"),
    ({"demand": "bad\u0000"}, "demand"),
    ({"quantity": True}, "quantity"),
    ({"quantity": 2**40}, "quantity"),
    ({"quantity": "500"}, "quantity"),
    ({"received_at": "1900-01-01T00:00:00+08:00"}, "received_at"),
    ({"received_at": "9999-12-31T23:59:59-05:00"}, "received_at"),
    ({"received_at": "2026-11-01T00:00:00"}, "received_at"),
    ({"ship_date": "0001-01-01"}, "ship_date"),
    ({"branch": "SC\u000001"}, "branch"),
])
async def test_a_filing_with_bad_input_is_422_naming_the_field(client, change, field) -> None:
    r = await client.post("/complaints", json={**FILING, **change}, headers=SALES)
    assert r.status_code == 422, r.text
    assert field in (r.json().get("field") or r.json()["detail"])


async def test_step_bodies_and_paths_with_bad_input_are_422(client) -> None:
    case_no = (await file(client))["case_no"]
    await step(client, case_no, "registration", GM_OFFICE)
    url = f"/complaints/{case_no}/steps/qa_analysis"
    good = {"cause": "voids", "rnd_required": False, "responsible_unit": "assembly"}
    for change, field in [({"cause": "vo\u0000ids"}, "cause"),
                          ({"rnd_required": 1}, "rnd_required"),
                          ({"at": "0001-01-01T00:00:00+05:00"}, "at"),
                          ({"at": "9999-12-31T23:59:59-05:00"}, "at"),
                          ({"investigated_at": "1900-01-01T00:00:00+00:00"}, "investigated_at")]:
        r = await client.post(url, json={**good, **change}, headers=QA)
        assert (r.status_code, r.json()["field"]) == (422, field), r.text
    await step(client, case_no, "qa_analysis", QA, **good)
    await step(client, case_no, "manufacturing_countermeasure", token("manufacturing"),
               countermeasure="fixed")
    url = f"/complaints/{case_no}/steps/sales_negotiation"
    for amount in (3000.5, "1.005", "1e26", "NaN", True):
        r = await client.post(url, json={"handling": "allowance", "amount": amount},
                              headers=SALES)
        assert (r.status_code, r.json()["field"]) == (422, "amount"), (amount, r.text)
    for path in ("/complaints/12%0034", "/complaints/abc", f"/complaints/{'9' * 40}"):
        assert (await client.get(path, headers=QA)).status_code == 422, path
    r = await client.post(f"/complaints/{case_no}/petitions/{2**40}/decision",
                          json={"decision": "upheld"}, headers=token("gm"))
    assert r.status_code in (404, 422)
    assert (await client.get("/complaints", params={"source_card_id": 2**40},
                             headers=QA)).status_code == 422


async def test_penalty_amounts_are_decimal_strings_with_two_places(client) -> None:
    case_no = (await file(client))["case_no"]
    url = f"/complaints/{case_no}/penalties/administrative"
    body = {"person_id": "E-S1", "department": "sales", "unit": "export-sales",
            "level": "warning", "ground": "order_entry_error"}
    # P2/P3 (issue 13): members, points and bonuses are billing's register, not input.
    for change in ({"amount": 3000.5}, {"amount": "3000.001"}, {"base_points": "1"},
                   {"monthly_bonus": "3000.00"}, {"person_id": "E\u0000S1"}):
        r = await client.post(url, json={**body, **change}, headers=GM_OFFICE)
        assert r.status_code == 422, (change, r.text)
    r = await client.post(f"/complaints/{case_no}/loss", headers=GM_OFFICE,
                          json={"a_grade_price": 5000.0, "returned_on": "2026-11-01"})
    assert r.status_code == 422
    r = await client.post(f"/complaints/{case_no}/penalties/economic", headers=GM_OFFICE,
                          json={"loss": "100.00", "parties": [
                              {"department": "sales", "unit": "s", "ratio": "1e26"}]})
    assert r.status_code == 422
