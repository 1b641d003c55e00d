"""The repair-call register over HTTP and events (SPEC S8, S9, S24): registering,
following dispatch, cancelling, and the clerk's cancel-and-file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from shared.events.dispatch import TechnicianArrived, VoucherAssigned, VoucherCompleted
from tests.helpers import eventually, running, token
from tests.intake.support import CLERK, SUPERVISOR, at, customer_with_product, inject, stream_of

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")


def _completed(call: dict, *, at_: datetime = NOW) -> VoucherCompleted:
    return VoucherCompleted(
        voucher_no=call["voucher_no"], call_id=call["id"], branch="SC01",
        category=call["category"], technician_id="T01", service_mode="on_site",
        labour_minutes=30, parts=[], signed_by="Wu Mei", completed_at=at_)


async def _call(intake, customer_id: int, product_id: int, headers=CLERK, **extra) -> dict:
    r = await intake.post("/calls", json={"customer_id": customer_id, "product_id": product_id,
                                          "symptom": "no picture", **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_s8_call_register_records_the_customer_and_model_per_day(ns) -> None:
    clock = FixedClock(NOW)
    async with running(intake_app(ns.settings("intake"), clock=clock)) as intake:
        customer_id, product_id = await customer_with_product(intake, district="Qingpu")
        # 14 hours before it is keyed, beyond SC01's 8-hour desk window: the supervisor
        # records it, with the reason (CT1)
        call = await _call(intake, customer_id, product_id, channel="document",
                           received_at="2026-03-15T20:00:00+08:00", headers=SUPERVISOR,
                           backdate_reason="letter opened on Monday morning")
        assert call["voucher_no"] == f"SC01-V{call['id']:06d}"
        assert (call["customer_name"], call["phone"], call["model"]) == (
            "Wu Mei", "+8613800000001", "TV-55Q")  # E.164 (issue 11)
        assert call["register_date"] == "2026-03-15" and call["status"] == "registered"
        # S19: Sunday evening document call, suburban → Monday 09:00 + 7h = 17:00
        assert call["arrival_due_at"] == "2026-03-16T09:00:00Z"
        today = await _call(intake, customer_id, product_id)
        register = await intake.get("/calls", params={"date": "2026-03-15", "branch": "SC01"},
                                    headers=CLERK)
        assert [c["id"] for c in register.json()] == [call["id"]]
        register = await intake.get("/calls", params={"date": "2026-03-16", "branch": "SC01"},
                                    headers=CLERK)
        assert [c["id"] for c in register.json()] == [today["id"]]
        future = await intake.post("/calls", json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "x",
            "received_at": "2026-03-16T11:00:00+08:00"}, headers=CLERK)
        assert future.status_code == 422 and future.json()["field"] == "received_at"
        assert (await intake.get("/calls/999", headers=CLERK)).status_code == 404
        technician = await intake.post("/calls", json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "x"},
            headers=token("technician", "T01"))
        assert technician.status_code == 403


async def test_s24_service_department_reads_every_call_of_the_day(ns) -> None:
    clock = FixedClock(NOW)
    async with running(intake_app(ns.settings("intake"), clock=clock)) as intake:
        customer_id, product_id = await customer_with_product(intake)
        kept = await _call(intake, customer_id, product_id)
        dropped = await _call(intake, customer_id, product_id)
        await intake.post(f"/calls/{dropped['id']}/cancel", json={"reason": "duplicate"},
                          headers=CLERK)
        dept = token("service_dept", "D01", None)
        r = await intake.get("/calls", params={"date": "2026-03-16", "branch": "SC01"},
                             headers=dept)
        assert r.status_code == 200
        # every call of the day, cancelled ones too, so a card goes out for each (S24/Q24)
        assert [(c["id"], c["status"]) for c in r.json()] == [
            (kept["id"], "registered"), (dropped["id"], "cancelled")]


async def test_s9_status_follows_dispatch_and_the_clerk_files_the_completed_call(ns) -> None:
    clock = FixedClock(NOW)
    app = intake_app(ns.settings("intake"), clock=clock)
    async with running(app) as intake, stream_of(ns) as stream:
        customer_id, product_id = await customer_with_product(intake)
        call = await _call(intake, customer_id, product_id)
        early = await intake.post(f"/calls/{call['id']}/file", headers=CLERK)
        assert early.status_code == 409 and early.json()["rule"] == "S9"

        # reports crossing each other: completion applied first, then the older ones
        await inject(app, _completed(call))

        async def completed() -> bool:
            body = (await intake.get(f"/calls/{call['id']}", headers=CLERK)).json()
            return body["status"] == "completed"

        await eventually(completed)
        await inject(app, VoucherAssigned(voucher_no=call["voucher_no"], call_id=call["id"],
                                          branch="SC01", technician_id="T01",
                                          assigned_by="S01"))
        await inject(app, TechnicianArrived(voucher_no=call["voucher_no"], call_id=call["id"],
                                            branch="SC01", technician_id="T01",
                                            arrived_at=NOW, sla_met=True))

        async def settled() -> dict | None:
            body = (await intake.get(f"/calls/{call['id']}", headers=CLERK)).json()
            return body if body["technician_id"] == "T01" else None

        body = await eventually(settled)
        assert body["status"] == "completed" and body["completed_at"] == "2026-03-16T02:00:00Z"

        async def audited() -> list | None:
            r = await intake.get(f"/admin/audit/call/{call['id']}",
                                 headers=token("admin", "root", None))
            return r.json() if len(r.json()) == 4 else None

        audit = await eventually(audited)
        assert [a["detail"]["applied"] for a in audit[1:]] == [True, False, False]

        cancel = await intake.post(f"/calls/{call['id']}/cancel", json={"reason": "x"},
                                   headers=CLERK)
        assert cancel.status_code == 409 and cancel.json()["rule"] == "S9"
        tech = await intake.post(f"/calls/{call['id']}/file", headers=token("technician", "T01"))
        assert tech.status_code == 403
        filed = await intake.post(f"/calls/{call['id']}/file", headers=CLERK)
        assert filed.status_code == 200
        assert filed.json()["status"] == "completed" and filed.json()["filed"] is True
        assert filed.json()["filed_at"] == "2026-03-16T02:00:00Z"
        assert (await intake.post(f"/calls/{call['id']}/file", headers=CLERK)).status_code == 409
        event = (await stream.wait_for("intake.call.filed.v1", call_id=call["id"]))[0]
        assert event["voucher_no"] == call["voucher_no"] and event["filed_by"] == "C01"


async def test_s9_a_call_is_cancelled_with_a_reason_and_dispatch_is_told(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake, stream_of(ns) as stream:
        customer_id, product_id = await customer_with_product(intake)
        call = await _call(intake, customer_id, product_id)
        no_reason = await intake.post(f"/calls/{call['id']}/cancel", json={"reason": " "},
                                      headers=CLERK)
        assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
        r = await intake.post(f"/calls/{call['id']}/cancel",
                              json={"reason": "customer fixed it"}, headers=CLERK)
        assert r.status_code == 200
        assert (r.json()["status"], r.json()["cancel_reason"]) == ("cancelled",
                                                                   "customer fixed it")
        again = await intake.post(f"/calls/{call['id']}/cancel", json={"reason": "x"},
                                  headers=CLERK)
        assert again.status_code == 409
        event = (await stream.wait_for("intake.call.cancelled.v1"))[0]
        assert (event["voucher_no"], event["reason"]) == (call["voucher_no"],
                                                          "customer fixed it")
        assert datetime.fromisoformat(event["occurred_at"]).tzinfo == UTC
