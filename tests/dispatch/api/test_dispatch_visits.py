"""Dispatch's board and visits over HTTP (SPEC S8, S9, S18, S19, S20), with the
intake and billing events it consumes published on the real stream."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from shared.events.billing import ContractExpiring
from shared.events.intake import CallCancelled, CallPrioritised
from tests.dispatch.support import (
    CLERK,
    SUPERVISOR,
    T01,
    T02,
    at,
    inject,
    issue_voucher,
    on_site,
    stream_of,
)
from tests.helpers import eventually, running, token

pytestmark = pytest.mark.integration

NOON = at("2026-03-16T12:00:00+08:00")


async def test_s8_supervisor_assigns_and_reassigns_to_branch_technicians(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch, stream_of(ns) as stream:
        no = await issue_voucher(app, dispatch, 1)
        assign = f"/vouchers/{no}/assign"
        assert (await dispatch.post(assign, json={"technician_id": "T01"},
                                    headers=token("clerk", "C01"))).status_code == 403
        assert (await dispatch.post(assign, json={"technician_id": "T01"},
                                    headers=token("supervisor", "S09", "SC02"))).status_code == 403
        for wrong in ("S01", "T99"):
            r = await dispatch.post(assign, json={"technician_id": wrong}, headers=SUPERVISOR)
            assert r.status_code == 422 and r.json()["field"] == "technician_id"
        r = await dispatch.post(assign, json={"technician_id": "T01"}, headers=SUPERVISOR)
        assert r.status_code == 200 and r.json()["status"] == "assigned"
        same = await dispatch.post(assign, json={"technician_id": "T01"}, headers=SUPERVISOR)
        assert same.status_code == 409
        r = await dispatch.post(assign, json={"technician_id": "T02"}, headers=SUPERVISOR)
        assert r.status_code == 200 and r.json()["technician_id"] == "T02"
        # the first technician no longer acts on it
        r = await dispatch.post(f"/vouchers/{no}/arrive", json={}, headers=T01)
        assert r.status_code == 403
        assert (await dispatch.post(f"/vouchers/{no}/arrive", json={}, headers=T02)).is_success
        late = await dispatch.post(assign, json={"technician_id": "T03"}, headers=SUPERVISOR)
        assert late.status_code == 409 and late.json()["rule"] == "S8"

        events = await stream.wait_for("dispatch.voucher.assigned.v1", count=2)
        assert [(e["technician_id"], e["reassigned"]) for e in events] == [
            ("T01", False), ("T02", True)]
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert [(a["technician_id"], a["assigned_by"]) for a in paper["assignments"]] == [
            ("T01", "S01"), ("T02", "S01")]
        missing = await dispatch.post("/vouchers/SC01-V999999/assign",
                                      json={"technician_id": "T01"}, headers=SUPERVISOR)
        assert missing.status_code == 404


async def test_s19_arrival_is_judged_by_the_device_time_and_impossible_times_refused(ns) -> None:
    clock = FixedClock(at("2026-03-16T18:30:00+08:00"))  # synced after the 17:00 deadline
    app = dispatch_app(ns.settings("dispatch"), clock=clock)
    async with running(app) as dispatch, stream_of(ns) as stream:
        offline = await issue_voucher(app, dispatch, 1)
        late = await issue_voucher(app, dispatch, 2)
        for no in (offline, late):
            await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                                headers=SUPERVISOR)
        arrive = f"/vouchers/{offline}/arrive"
        future = await dispatch.post(arrive, json={"at": "2026-03-16T18:40:00+08:00"},
                                     headers=T01)
        assert future.status_code == 422 and future.json()["field"] == "at"
        assert future.json()["rule"] == "CT1"
        before = await dispatch.post(arrive, json={"at": "2026-03-16T09:59:00+08:00"},
                                     headers=T01)
        assert before.status_code == 422 and "before" in before.json()["detail"]
        naive = await dispatch.post(arrive, json={"at": "2026-03-16T16:00:00"}, headers=T01)
        assert naive.status_code == 422 and naive.json()["field"] == "at"
        assert (await dispatch.post(arrive, json={}, headers=T02)).status_code == 403
        assert (await dispatch.post(arrive, json={}, headers=CLERK)).status_code == 403

        r = await dispatch.post(arrive, json={"at": "2026-03-16T16:50:00+08:00"}, headers=T01)
        assert r.status_code == 200, r.text
        assert r.json() == {"voucher_no": offline, "arrived_at": "2026-03-16T08:50:00Z",
                            "recorded_at": "2026-03-16T10:30:00Z", "sla_met": True,
                            "arrival_due_at": "2026-03-16T09:00:00Z",
                            "arrival_due_provisional": False, "recorded_by": "T01",
                            "backdate_reason": None, "backdate_approved_by": None}
        again = await dispatch.post(arrive, json={}, headers=T01)
        assert again.status_code == 409 and again.json()["rule"] == "S9"
        r = await dispatch.post(f"/vouchers/{late}/arrive", json={}, headers=T01)
        assert r.json()["sla_met"] is False and r.json()["arrived_at"] == "2026-03-16T10:30:00Z"

        events = await stream.wait_for("dispatch.voucher.arrived.v1", count=2)
        assert {e["voucher_no"]: e["sla_met"] for e in events} == {offline: True, late: False}


async def test_s9_completion_needs_arrival_the_customer_signature_and_happens_once(ns) -> None:
    clock = FixedClock(NOON)
    app = dispatch_app(ns.settings("dispatch"), clock=clock)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        done = {"labour_minutes": 30, "signed_by": "Wu Mei", "parts": []}
        await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                            headers=SUPERVISOR)
        early = await dispatch.post(f"/vouchers/{no}/complete", json=done, headers=T01)
        assert early.status_code == 409 and early.json()["rule"] == "S9"
        await dispatch.post(f"/vouchers/{no}/arrive", json={}, headers=T01)
        for bad, field in (({**done, "signed_by": ""}, "signed_by"),
                           ({**done, "labour_minutes": 0}, "labour_minutes"),
                           ({**done, "parts": [{"part_no": "P", "quantity": 1,
                                                "unit_price": "-1"}]}, "parts.0.unit_price")):
            r = await dispatch.post(f"/vouchers/{no}/complete", json=bad, headers=T01)
            assert r.status_code == 422 and r.json()["field"] == field
        assert (await dispatch.post(f"/vouchers/{no}/complete", json=done,
                                    headers=T02)).status_code == 403
        r = await dispatch.post(f"/vouchers/{no}/complete", json=done, headers=T01)
        assert r.status_code == 200 and r.json()["status"] == "completed"
        twice = await dispatch.post(f"/vouchers/{no}/complete", json=done, headers=T01)
        assert twice.status_code == 409 and "already completed" in twice.json()["detail"]
        board = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
        assert board.json() == []
        closed = await dispatch.get("/board", params={"branch": "SC01", "include_closed": True},
                                    headers=SUPERVISOR)
        assert [v["status"] for v in closed.json()] == ["completed"]


async def test_s18_prioritised_call_goes_first_and_cancelled_call_leaves_the_board(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        soon = await issue_voucher(app, dispatch, 1, due="2026-03-16T15:00:00+08:00")
        later = await issue_voucher(app, dispatch, 2, due="2026-03-17T11:00:00+08:00")
        gone = await issue_voucher(app, dispatch, 3, due="2026-03-16T14:00:00+08:00")
        taken = await issue_voucher(app, dispatch, 4, due="2026-03-16T13:00:00+08:00")
        await dispatch.post(f"/vouchers/{taken}/assign", json={"technician_id": "T01"},
                            headers=SUPERVISOR)
        await inject(app, CallPrioritised(call_id=2, voucher_no=later, branch="SC01",
                                          reason="not dispatched on 2026-03-15 (S18)"))
        await inject(app, CallCancelled(call_id=3, voucher_no=gone, branch="SC01",
                                        reason="customer fixed it", cancelled_by="C01"))

        async def settled() -> list | None:
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            lines = r.json()
            return lines if len(lines) == 3 and lines[0]["priority"] else None

        board = await eventually(settled)
        assert [(v["voucher_no"], v["status"]) for v in board] == [
            (later, "waiting"), (soon, "waiting"), (taken, "assigned")]
        assert board[0]["priority_reason"].startswith("not dispatched")
        paper = (await dispatch.get(f"/vouchers/{gone}", headers=SUPERVISOR)).json()
        assert (paper["status"], paper["cancel_reason"]) == ("cancelled", "customer fixed it")
        r = await dispatch.post(f"/vouchers/{gone}/assign", json={"technician_id": "T01"},
                                headers=SUPERVISOR)
        assert r.status_code == 409
        assert (await dispatch.get("/board", params={"branch": "SC01"},
                                   headers=token("accountant", "A01"))).status_code == 403


async def test_s20_expiring_contract_puts_one_renewal_visit_on_the_board(ns) -> None:
    clock = FixedClock(NOON)
    app = dispatch_app(ns.settings("dispatch"), clock=clock)
    async with running(app) as dispatch, stream_of(ns) as stream:
        notice = dict(contract_no="MC0042", branch="SC01", customer_id=7, product_id=9,
                      ends_on=date(2026, 4, 16))
        await inject(app, ContractExpiring(**notice))
        await inject(app, ContractExpiring(**notice))  # a repeated notice, new event id

        async def lines() -> list | None:
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() or None

        board = await eventually(lines)
        paper = (await dispatch.get("/vouchers/SC01-RMC0042", headers=SUPERVISOR)).json()
        assert (paper["kind"], paper["category"], paper["contract_no"]) == (
            "renewal", "B", "MC0042")
        assert paper["arrival_due_at"] == "2026-04-15T16:00:00Z"
        await on_site(dispatch, "SC01-RMC0042")
        carry = await dispatch.post("/vouchers/SC01-RMC0042/carry-in", json={
            "promised_on": "2026-03-20", "signed_by": "x"}, headers=T01)
        assert carry.status_code == 409
        clock.advance(timedelta(minutes=40))
        r = await dispatch.post("/vouchers/SC01-RMC0042/complete", json={
            "labour_minutes": 20, "signed_by": "customer 7"}, headers=T01)
        assert r.status_code == 200, r.text
        visited = (await stream.wait_for("dispatch.renewal_visit.completed.v1"))[0]
        assert visited["contract_no"] == "MC0042" and visited["technician_id"] == "T01"
        assert [line["voucher_no"] for line in board] == ["SC01-RMC0042"]
        assert await stream.events("dispatch.voucher.assigned.v1") == []
