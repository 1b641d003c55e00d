"""The retail (R2) and service (Q26/Q28) profiles run end to end; survey complaints arrive
over real NATS and open exactly one case per card."""

from __future__ import annotations

from datetime import UTC, datetime

import nats
import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from shared.events.survey import SurveyComplaintRaised
from tests.helpers import eventually, running, token

from ..support import stream_reader, watchers_by_hand

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
COUNTER = token("counter", "K01")
LEAD = token("counter_lead", "L01")
CASHIER = token("cashier", "C01")
SERVICE_DEPT = token("service_dept", "D01", None)


async def _retail(client, **changes) -> str:
    r = await client.post("/complaints", headers=COUNTER, json={
        "profile": "retail", "market": "domestic", "classification": "quality",
        "customer": "Wang", "demand": "TV has dead pixels", "branch": "SC01",
        "store_id": "ST01", **changes})
    assert r.status_code == 201, r.text
    return r.json()["case_no"]


async def _do(client, case_no, step, headers, expect=200, **body):
    r = await client.post(f"/complaints/{case_no}/steps/{step}", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def test_r2_retail_counter_chain_branch_approval_only_beyond_counter_authority(ns) -> None:
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client, stream_reader(ns, "complaints.copy.issued.v1") as copies:
        assert (await client.post("/complaints", headers=token("sales"), json={
            "profile": "retail", "market": "domestic", "classification": "quality",
            "customer": "Wang", "demand": "x"})).status_code == 403
        small = await _retail(client)
        await _do(client, small, "registration", COUNTER, sales_slip_no="POS-1")
        await _do(client, small, "staff_investigation", COUNTER, cause="panel",
                  responsible_unit="counter 3")
        # R2b: the counter staff and the branch organiser agree to the borrowing first.
        asked = await client.post(f"/complaints/{small}/gift-borrowings", headers=COUNTER,
                                  json={"vendor": "vendor B", "gifts": "a kettle"})
        assert asked.status_code == 201, asked.text
        agreed = await client.post(
            f"/complaints/{small}/gift-borrowings/{asked.json()['id']}/agree",
            headers=token("branch_manager", "M01"))
        assert agreed.status_code == 200, agreed.text
        body = await _do(client, small, "lead_review", LEAD, handling="allowance",
                         amount="300.00", borrowed_gifts="a kettle from vendor B")
        # Within the counter's authority, and the store's POS settles it (§7): closed, the
        # accounting copy carries the refund to billing, which instructs the till.
        assert body["status"] == "closed"
        assert body["decisions"]["lead_review"]["borrowed_gifts"] == "a kettle from vendor B"

        counter_only = await _retail(client, store_id=None)  # no POS: the cashier acts here
        await _do(client, counter_only, "registration", COUNTER)
        await _do(client, counter_only, "staff_investigation", COUNTER, cause="c",
                  responsible_unit="u")
        body = await _do(client, counter_only, "lead_review", LEAD, handling="allowance",
                         amount="100.00")
        assert body["current_step"] == "cashier_execution"
        closed = await _do(client, counter_only, "cashier_execution", CASHIER)
        assert closed["status"] == "closed"

        big = await _retail(client)
        await _do(client, big, "registration", COUNTER)
        await _do(client, big, "staff_investigation", COUNTER, cause="c", responsible_unit="u")
        body = await _do(client, big, "lead_review", LEAD, handling="compensation",
                         amount="200.00")
        assert body["current_step"] == "branch_approval"  # R2: compensation needs the branch
        await _do(client, big, "branch_approval", LEAD, expect=403, approved=True)
        other_branch = token("branch_manager", "M21", "SC02")  # issue 11: a known other branch
        await _do(client, big, "branch_approval", other_branch, expect=403, approved=True)
        await _do(client, big, "branch_approval", token("branch_manager", "M01"), approved=True)

        async def three():
            mine = [c for c in copies if c["case_no"] == small]
            return mine if len(mine) >= 3 else None

        mine = await eventually(three, within=10)
        assert sorted(c["recipient"] for c in mine) == ["accounting", "counter", "counter_lead"]
        assert {(c["store_id"], c["handling"], c["amount"]) for c in mine} == {
            ("ST01", "allowance", "300.00")}


def _card(card_id: int, severity: str) -> SurveyComplaintRaised:
    return SurveyComplaintRaised(
        card_id=card_id, call_id=7, voucher_no="SC01-000007", branch="SC01",
        technician_id="T01", customer_name="Wu Mei", severity=severity,
        text="the technician was rude", occurred_at=NOV,
    )


async def test_q26_survey_complaint_opens_one_service_case_serious_goes_to_vice_gm_q28_visit(
    ns,
) -> None:
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client, stream_reader(ns, "complaints.case.filed.v1") as filed:
        nc = await nats.connect(ns.infra.nats_url)
        js = nc.jetstream()
        subject = f"{ns.tag}.{SurveyComplaintRaised.event_type}"
        serious = _card(41, "serious")
        again = _card(41, "serious")  # another event about the same card
        for event, msg_id in ((serious, "a"), (serious, "b"), (again, "c"),
                              (_card(42, "general"), "d")):
            await js.publish(subject, event.to_bytes(), headers={"Nats-Msg-Id": msg_id})
        await nc.close()

        async def both():
            r = await client.get("/complaints", params={"profile": "service"},
                                 headers=SERVICE_DEPT)
            return r.json() if len(r.json()) >= 2 else None

        cases = await eventually(both, within=10)
        assert sorted(c["source_card_id"] for c in cases) == [41, 42]
        await eventually(lambda: _len_at_least(filed, 2), within=10)
        assert sorted(e["source_card_id"] for e in filed) == [41, 42]
        assert {e["classification"] for e in filed} == {"service"}

        case_no = next(c["case_no"] for c in cases if c["source_card_id"] == 41)
        await _do(client, case_no, "registration", SERVICE_DEPT)
        body = await _do(client, case_no, "vice_gm_handling", token("vice_gm", "VG", None),
                         outcome="refund of the visit fee")
        assert body["current_step"] == "supervisor_visit"  # Q28: every complainer visited
        await _do(client, case_no, "supervisor_visit", token("supervisor", "S21", "SC02"),
                  expect=403, visited_by="S9", visited_on="2026-11-17")
        await _do(client, case_no, "supervisor_visit", token("supervisor", "S01"),
                  visited_by="S01", visited_on="2026-11-17")
        closed = await _do(client, case_no, "letter_to_customer", SERVICE_DEPT,
                           letter_ref="L-2026-118")
        assert closed["status"] == "closed" and closed["severity"] == "serious"
        general = next(c["case_no"] for c in cases if c["source_card_id"] == 42)
        await _do(client, general, "registration", SERVICE_DEPT)
        body = (await client.get(f"/complaints/{general}", headers=SERVICE_DEPT)).json()
        assert body["current_step"] == "supervisor_visit"
        await _do(client, general, "supervisor_visit", token("supervisor", "S01"),
                  visited_by="S01", visited_on="2026-11-17")
        body = await _do(client, general, "service_dept_handling", SERVICE_DEPT, outcome="apology")
        assert body["owner_role"] == "service_dept"


async def _len_at_least(items: list, n: int) -> bool:
    return len(items) >= n
