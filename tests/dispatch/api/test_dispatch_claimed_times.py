"""Claimed times (SPEC CT1), what the technician found (E3/E4) and the board's read-time
priority and provisional deadlines (S18, S19) over HTTP, on the real stream."""

from __future__ import annotations

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from shared.events.intake import CallRegistered
from tests.dispatch.support import (
    SUPERVISOR,
    T01,
    at,
    inject,
    issue_voucher,
    on_site,
    stream_of,
)
from tests.helpers import eventually, running

pytestmark = pytest.mark.integration

LATER = at("2026-03-20T12:00:00+08:00")  # four days after the call of the 16th
NOON = at("2026-03-16T12:00:00+08:00")


async def test_ct1_late_arrival_needs_a_supervisor_and_shows_as_backdated(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(LATER))
    async with running(app) as dispatch, stream_of(ns) as stream:
        no = await issue_voucher(app, dispatch, 1)
        r = await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                                headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        arrive = f"/vouchers/{no}/arrive"
        typed = {"at": "2026-03-16T16:00:00+08:00"}
        refused = await dispatch.post(arrive, json={**typed, "backdate_reason": "offline"},
                                      headers=T01)
        assert refused.status_code == 422, refused.text
        assert (refused.json()["rule"], refused.json()["field"]) == ("CT1", "at")
        no_reason = await dispatch.post(arrive, json=typed, headers=SUPERVISOR)
        assert no_reason.status_code == 422
        assert no_reason.json()["field"] == "backdate_reason"

        r = await dispatch.post(arrive, headers=SUPERVISOR, json={
            **typed, "backdate_reason": "T01's phone died; the signed voucher shows 16:00"})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert (answer["sla_met"], answer["backdate_approved_by"], answer["recorded_by"]) == (
            True, "S01", "S01")
        assert answer["recorded_at"] == "2026-03-20T04:00:00Z"

        [line] = (await dispatch.get("/board", params={"branch": "SC01"},
                                     headers=SUPERVISOR)).json()
        assert (line["arrival_backdated"], line["arrival_backdate_approved_by"]) == (True, "S01")
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["arrival_backdate_reason"].startswith("T01's phone died")
        for path, params in (("/reports/supervisor-daily", {"branch": "SC01"}),
                             ("/reports/technician-daily", {"technician_id": "T01"})):
            report = (await dispatch.get(path, params={**params, "date": "2026-03-16"},
                                         headers=SUPERVISOR)).json()
            [arrival] = report["arrivals"]
            assert (arrival["voucher_no"], arrival["backdated"], arrival["sla_met"]) == (
                no, True, True)
        [event] = await stream.wait_for("dispatch.voucher.arrived.v1", voucher_no=no)
        assert (event["technician_id"], event["backdate_approved_by"]) == ("T01", "S01")
        assert event["recorded_at"] == "2026-03-20T04:00:00Z"


async def test_ct1_work_log_of_an_old_day_is_the_supervisors_with_a_reason(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(LATER))
    async with running(app) as dispatch:
        log = "/technicians/T01/work-log"
        body = {"date": "2026-03-16", "category": "D", "minutes": 60, "note": "training"}
        refused = await dispatch.post(log, json=body, headers=T01)
        assert refused.status_code == 422, refused.text
        assert (refused.json()["rule"], refused.json()["field"]) == ("CT1", "date")
        r = await dispatch.post(log, headers=SUPERVISOR,
                                json={**body, "backdate_reason": "course sheet came late"})
        assert r.status_code == 201, r.text
        assert (r.json()["backdated"], r.json()["backdate_approved_by"]) == (True, "S01")
        report = (await dispatch.get("/reports/technician-daily", headers=T01, params={
            "technician_id": "T01", "date": "2026-03-16"})).json()
        assert report["backdated_entries"] == 1
        assert report["entries"][0]["backdate_reason"] == "course sheet came late"


async def test_e3_covered_completion_over_http_names_the_missing_field(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch, stream_of(ns) as stream:
        no = await issue_voucher(app, dispatch, 1, category="B")
        await on_site(dispatch, no)
        done = {"labour_minutes": 30, "signed_by": "Wu Mei"}
        for body, field in ((done, "component"), ({**done, "component": "display"}, "cause")):
            r = await dispatch.post(f"/vouchers/{no}/complete", json=body, headers=T01)
            assert r.status_code == 422, r.text
            assert (r.json()["field"], r.json()["rule"]) == (field, "E3")
        bad = await dispatch.post(f"/vouchers/{no}/complete", headers=T01,
                                  json={**done, "component": "flux_capacitor", "cause": "wear"})
        assert bad.status_code == 422 and bad.json()["field"] == "component"
        r = await dispatch.post(f"/vouchers/{no}/complete", headers=T01, json={
            **done, "component": "remote_control", "cause": "misuse", "repairable": True})
        assert r.status_code == 200, r.text
        assert (r.json()["component"], r.json()["cause"]) == ("remote_control", "misuse")
        [event] = await stream.wait_for("dispatch.voucher.completed.v1", voucher_no=no)
        assert (event["component"], event["cause"], event["repairable"]) == (
            "remote_control", "misuse", True)


async def test_s18_s19_old_call_is_priority_at_once_and_provisional_deadline_shown(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        today = await issue_voucher(app, dispatch, 1, due="2026-03-16T14:00:00+08:00")
        old = await issue_voucher(app, dispatch, 2, received_at="2026-03-13T10:00:00+08:00",
                                  due="2026-03-16T18:00:00+08:00")
        await inject(app, CallRegistered(
            call_id=3, voucher_no="SC01-V000003", branch="SC01", customer_id=1,
            customer_name="Wu Mei", district="Huangpu", product_id=1, model="TV-55Q",
            serial="SN1", symptom="no picture", category="A", sla_class="urban",
            received_at=NOON, arrival_due_at=at("2027-01-04T12:00:00+08:00"),
            registered_by="C01", arrival_due_provisional=True))

        async def three() -> list | None:
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() if len(r.json()) == 3 else None

        board = await eventually(three)
        assert [(v["voucher_no"], v["priority"]) for v in board] == [
            (old, True), (today, False), ("SC01-V000003", False)]
        assert "2026-03-13" in board[0]["priority_reason"]
        assert [v["arrival_due_provisional"] for v in board] == [False, False, True]
        paper = (await dispatch.get("/vouchers/SC01-V000003", headers=SUPERVISOR)).json()
        assert paper["arrival_due_provisional"] is True
        page = await dispatch.get("/", headers=SUPERVISOR)
        assert page.status_code == 200 and 'data-provisional="true"' in page.text
