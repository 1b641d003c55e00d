"""Carry-in repairs over HTTP (SPEC S11, S12, S14): receipts, repair cards, inspection,
and the escalation that fires the moment a promised date is missed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from tests.dispatch.support import SUPERVISOR, T01, T02, at, issue_voucher, on_site, stream_of
from tests.helpers import running, token

pytestmark = pytest.mark.integration

WATCHER = "repair-overdue"
MONDAY_NOON = at("2026-03-16T12:00:00+08:00")


async def test_s11_carry_in_issues_receipt_and_card_from_the_customers_site(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(MONDAY_NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1, category="C")
        carry = {"promised_on": "2026-03-18", "signed_by": "Zhou Lan"}
        await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                            headers=SUPERVISOR)
        early = await dispatch.post(f"/vouchers/{no}/carry-in", json=carry, headers=T01)
        assert early.status_code == 409 and early.json()["rule"] == "S11"
        await dispatch.post(f"/vouchers/{no}/arrive", json={}, headers=T01)
        past = await dispatch.post(f"/vouchers/{no}/carry-in",
                                   json={**carry, "promised_on": "2026-03-15"}, headers=T01)
        assert past.status_code == 422 and past.json()["field"] == "promised_on"
        assert (await dispatch.post(f"/vouchers/{no}/carry-in", json=carry,
                                    headers=T02)).status_code == 403
        r = await dispatch.post(f"/vouchers/{no}/carry-in", json=carry, headers=T01)
        assert r.status_code == 201, r.text
        assert r.json()["pickup_receipt_no"].startswith("SC01-PR")
        assert r.json()["repair_card_no"].startswith("SC01-RC")
        twice = await dispatch.post(f"/vouchers/{no}/carry-in", json=carry, headers=T01)
        assert twice.status_code == 409
        done = await dispatch.post(f"/vouchers/{no}/complete", json={
            "labour_minutes": 10, "signed_by": "Zhou Lan"}, headers=T01)
        assert done.status_code == 409  # a carried-in product comes back through S12
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["status"] == "in_workshop"
        assert paper["workshop_entry"]["promised_on"] == "2026-03-18"
        assert paper["workshop_entry"]["out_on"] is None
        assert paper["repair_card"]["pickup_receipt_no"] == r.json()["pickup_receipt_no"]


async def test_s12_repair_card_work_inspection_and_roles(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(MONDAY_NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1, category="A")
        await on_site(dispatch, no)
        r = await dispatch.post(f"/vouchers/{no}/carry-in",
                                json={"promised_on": "2026-03-18", "signed_by": "Li"}, headers=T01)
        card = r.json()["repair_card_no"]
        path = f"/repair-cards/{card}"
        empty = await dispatch.post(f"{path}/inspect", headers=SUPERVISOR)
        assert empty.status_code == 409 and empty.json()["rule"] == "S12"
        nothing = await dispatch.post(f"{path}/work", json={"minutes": 0}, headers=T01)
        assert nothing.status_code == 422
        assert (await dispatch.post(f"{path}/work", json={"minutes": 30},
                                    headers=T02)).status_code == 403
        part = {"part_no": "BOARD-7", "quantity": 2, "unit_price": "85.50"}
        r = await dispatch.post(f"{path}/work", json={"minutes": 30, "parts": [part]},
                                headers=T01)
        assert r.status_code == 200, r.text
        r = await dispatch.post(f"{path}/work", json={"minutes": 25}, headers=T01)
        assert r.json()["labour_minutes"] == 55  # S12: the card shows the labour logged so far
        assert (await dispatch.post(f"{path}/inspect", headers=T01)).status_code == 403
        r = await dispatch.post(f"{path}/inspect", json={"note": "runs 2h, OK"},
                                headers=SUPERVISOR)
        assert r.status_code == 200 and r.json()["inspected_by"] == "S01"
        assert (await dispatch.post(f"{path}/inspect", headers=SUPERVISOR)).status_code == 409
        after = await dispatch.post(f"{path}/work", json={"minutes": 5}, headers=T01)
        assert after.status_code == 409 and after.json()["rule"] == "S12"
        assert (await dispatch.post("/repair-cards/SC01-RC999999/work", json={"minutes": 5},
                                    headers=T01)).status_code == 404
        # the customer collects it at the counter from the clerk
        r = await dispatch.post(f"{path}/return", json={
            "signed_by": "Li Gang", "pickup_receipt_no": r.json()["pickup_receipt_no"]},
            headers=token("clerk", "C01"))
        assert r.status_code == 200 and r.json()["status"] == "returned"
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["labour_minutes"] == 55 and paper["repair_card"]["labour_minutes"] == 55
        assert [(p["part_no"], p["quantity"], p["unit_price"]) for p in paper["parts"]] == [
            ("BOARD-7", 2, "85.50")]


async def test_s14_late_repair_is_escalated_the_moment_its_promised_day_ends(ns) -> None:
    clock = FixedClock(MONDAY_NOON)
    app = dispatch_app(ns.settings("dispatch"), clock=clock)
    async with running(app) as dispatch, stream_of(ns) as stream:
        late = await issue_voucher(app, dispatch, 1)
        in_time = await issue_voucher(app, dispatch, 2)
        cards = {}
        for no, promised in ((late, "2026-03-17"), (in_time, "2026-03-18")):
            await on_site(dispatch, no)
            r = await dispatch.post(f"/vouchers/{no}/carry-in",
                                    json={"promised_on": promised, "signed_by": "x"}, headers=T01)
            cards[no] = r.json()
        query = {"branch": "SC01"}
        assert (await dispatch.get("/escalations", params=query,
                                   headers=SUPERVISOR)).json() == []

        # Tuesday 23:59:59 Shanghai: still on time; midnight: late
        clock.advance(timedelta(hours=35, minutes=59, seconds=59))
        await app.state.runtime.watchers[WATCHER].tick()
        assert await stream.events("dispatch.repair.overdue.v1") == []
        clock.advance(timedelta(seconds=1))
        app.state.runtime.watchers[WATCHER].wake()
        event = (await stream.wait_for("dispatch.repair.overdue.v1"))[0]
        assert (event["voucher_no"], event["promised_on"]) == (late, "2026-03-17")
        assert event["repair_card_no"] == cards[late]["repair_card_no"]

        r = await dispatch.get("/escalations", params=query, headers=SUPERVISOR)
        assert [(e["voucher_no"], e["escalated_at"]) for e in r.json()] == [
            (late, "2026-03-17T16:00:00Z")]
        before = await dispatch.get("/escalations", headers=SUPERVISOR,
                                    params={**query, "as_of": "2026-03-17T23:00:00+08:00"})
        assert before.json() == []
        later = await dispatch.get("/escalations", headers=SUPERVISOR,
                                   params={**query, "as_of": "2026-03-19T00:00:00+08:00"})
        assert [e["voucher_no"] for e in later.json()] == [late, in_time]
        assert (await dispatch.get("/escalations", params=query,
                                   headers=T01)).status_code == 403
        await app.state.runtime.watchers[WATCHER].tick()  # fires once only
        assert len(await stream.events("dispatch.repair.overdue.v1")) == 1
        paper = (await dispatch.get(f"/vouchers/{late}", headers=SUPERVISOR)).json()
        assert "repair_card.escalated" in [t["action"] for t in paper["timeline"]]

        clock.advance(timedelta(hours=2))
        card = cards[late]["repair_card_no"]
        await dispatch.post(f"/repair-cards/{card}/work", json={"minutes": 10}, headers=T01)
        await dispatch.post(f"/repair-cards/{card}/inspect", headers=SUPERVISOR)
        r = await dispatch.post(f"/repair-cards/{card}/return", headers=T01, json={
            "signed_by": "x", "pickup_receipt_no": cards[late]["pickup_receipt_no"]})
        assert r.status_code == 200
        # returned: off today's list, but still late as of the moment it was escalated
        now = (await dispatch.get("/escalations", params=query, headers=SUPERVISOR)).json()
        assert now == []
        then = await dispatch.get("/escalations", headers=SUPERVISOR,
                                  params={**query, "as_of": "2026-03-18T01:00:00+08:00"})
        assert [e["voucher_no"] for e in then.json()] == [late]
