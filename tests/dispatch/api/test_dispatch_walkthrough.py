"""Two whole jobs, call to filed voucher, on real NATS and PostgreSQL: an on-site paid
job (S8, S9, S10, S19) and a carry-in warranty job (S11, S12, S13); the events billing
and survey would receive are read back from the stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from tests.dispatch.support import (
    CLERK,
    SUPERVISOR,
    Stream,
    at,
    customer_with_product,
    stream_of,
)
from tests.helpers import eventually, running, token
from tests.infra import Namespace

pytestmark = pytest.mark.integration

MONDAY_10 = "2026-03-16T10:00:00+08:00"


@asynccontextmanager
async def system(
    ns: Namespace, clock: FixedClock
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Stream]]:
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(
            running(intake_app(ns.settings("intake"), clock=clock)))
        dispatch = await stack.enter_async_context(
            running(dispatch_app(ns.settings("dispatch"), clock=clock)))
        stream = await stack.enter_async_context(stream_of(ns))
        yield intake, dispatch, stream


async def _call_status(intake: httpx.AsyncClient, call_id: int, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body = (await intake.get(f"/calls/{call_id}", headers=CLERK)).json()
        return body if body["status"] == status else None

    return await eventually(probe)


async def _register_and_board(
    intake: httpx.AsyncClient, dispatch: httpx.AsyncClient, **file: Any
) -> dict[str, Any]:
    customer_id, product_id = await customer_with_product(intake, **file)
    r = await intake.post("/calls", json={"customer_id": customer_id, "product_id": product_id,
                                          "symptom": "no picture"}, headers=CLERK)
    assert r.status_code == 201, r.text
    call = r.json()

    async def on_board() -> bool:
        r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
        return any(v["voucher_no"] == call["voucher_no"] for v in r.json())

    await eventually(on_board)
    return call


async def test_s10_on_site_paid_job_from_call_to_filed_voucher(ns) -> None:
    clock = FixedClock(at(MONDAY_10))
    async with system(ns, clock) as (intake, dispatch, stream):
        call = await _register_and_board(intake, dispatch, district="Huangpu")
        no = call["voucher_no"]
        # S6 out of warranty, uncovered → A; S19 urban 6 working hours → 17:00 local
        assert (call["category"], call["sla_class"]) == ("A", "urban")
        assert call["arrival_due_at"] == "2026-03-16T09:00:00Z"

        r = await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                                headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        await _call_status(intake, call["id"], "dispatched")

        clock.advance(timedelta(hours=5))  # 15:00; the device says it arrived at 14:30
        r = await dispatch.post(f"/vouchers/{no}/arrive", json={"at": "2026-03-16T14:30:00+08:00"},
                                headers=token("technician", "T01"))
        assert r.status_code == 200, r.text
        assert r.json()["arrived_at"] == "2026-03-16T06:30:00Z"
        assert r.json()["sla_met"] is True
        await _call_status(intake, call["id"], "in_service")

        r = await dispatch.post(
            f"/vouchers/{no}/complete",
            json={"labour_minutes": 45, "signed_by": "Wu Mei",
                  "parts": [{"part_no": "PSU-1", "quantity": 1, "unit_price": "120.00"}]},
            headers=token("technician", "T01"))
        assert r.status_code == 200, r.text
        completed = await _call_status(intake, call["id"], "completed")
        assert completed["filed_at"] is None

        r = await intake.post(f"/calls/{call['id']}/file", headers=CLERK)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "completed" and r.json()["filed"] is True

        # What billing (S10) and survey would receive, in order, on the stream.
        done = (await stream.wait_for("dispatch.voucher.completed.v1", voucher_no=no))[0]
        assert done["category"] == "A" and done["service_mode"] == "on_site"
        assert done["labour_minutes"] == 45 and done["signed_by"] == "Wu Mei"
        assert done["parts"] == [{"part_no": "PSU-1", "quantity": 1, "unit_price": "120.00"}]
        await stream.wait_for("intake.call.filed.v1", call_id=call["id"])
        kinds = [e["type"] for e in await stream.events() if e.get("voucher_no") == no]
        assert kinds == ["intake.call.registered.v1", "dispatch.voucher.assigned.v1",
                         "dispatch.voucher.arrived.v1", "dispatch.voucher.completed.v1",
                         "intake.call.filed.v1"]

        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["status"] == "completed" and paper["sla_met"] is True
        assert paper["arrival_recorded_at"] == "2026-03-16T07:00:00Z"
        assert [(s["signer"], s["signer_role"]) for s in paper["signatures"]] == [
            ("Wu Mei", "customer"), ("T01", "technician")]
        assert [a["technician_id"] for a in paper["assignments"]] == ["T01"]
        assert [t["action"] for t in paper["timeline"]] == [
            "voucher.issued", "voucher.assigned", "voucher.arrived", "voucher.completed"]


async def test_s13_carry_in_warranty_job_from_call_to_filed_voucher(ns) -> None:
    clock = FixedClock(at(MONDAY_10))
    tech = token("technician", "T02")
    async with system(ns, clock) as (intake, dispatch, stream):
        call = await _register_and_board(intake, dispatch, district="Jiading",
                                         purchased_on="2026-01-10", phone="13800000003")
        no = call["voucher_no"]
        assert (call["category"], call["sla_class"]) == ("C", "suburban")
        await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T02"},
                            headers=SUPERVISOR)
        clock.advance(timedelta(hours=3))
        assert (await dispatch.post(f"/vouchers/{no}/arrive", json={}, headers=tech)).json()[
            "sla_met"] is True
        r = await dispatch.post(f"/vouchers/{no}/carry-in",
                                json={"promised_on": "2026-03-18", "signed_by": "Zhou Lan"},
                                headers=tech)
        assert r.status_code == 201, r.text
        card, receipt = r.json()["repair_card_no"], r.json()["pickup_receipt_no"]
        await _call_status(intake, call["id"], "in_service")

        clock.advance(timedelta(days=1))
        r = await dispatch.post(f"/repair-cards/{card}/work",
                                json={"minutes": 90, "parts": [{"part_no": "COMP-2",
                                      "quantity": 1, "unit_price": "0.00"}]}, headers=tech)
        assert r.status_code == 200, r.text
        r = await dispatch.post(f"/repair-cards/{card}/return",
                                json={"signed_by": "Zhou Lan", "pickup_receipt_no": receipt},
                                headers=tech)
        assert r.status_code == 409 and r.json()["rule"] == "S12"
        r = await dispatch.post(f"/repair-cards/{card}/inspect", headers=SUPERVISOR)
        assert r.status_code == 200, r.text
        r = await dispatch.post(f"/repair-cards/{card}/return",
                                json={"signed_by": "Zhou Lan", "pickup_receipt_no": "SC01-PR9"},
                                headers=tech)
        assert r.status_code == 422 and r.json()["field"] == "pickup_receipt_no"
        r = await dispatch.post(f"/repair-cards/{card}/return",
                                json={"signed_by": "Zhou Lan", "pickup_receipt_no": receipt},
                                headers=tech)
        assert r.status_code == 200, r.text
        assert r.json()["receipt_voided_at"] == "2026-03-17T05:00:00Z"

        await _call_status(intake, call["id"], "completed")
        assert (await intake.post(f"/calls/{call['id']}/file", headers=CLERK)).status_code == 200

        done = (await stream.wait_for("dispatch.voucher.completed.v1", voucher_no=no))[0]
        assert done["service_mode"] == "carry_in" and done["category"] == "C"
        assert done["labour_minutes"] == 90 and done["completed_at"] == "2026-03-17T05:00:00Z"
        started = (await stream.wait_for("dispatch.carry_in.started.v1", voucher_no=no))[0]
        assert (started["repair_card_no"], started["pickup_receipt_no"]) == (card, receipt)
        await stream.wait_for("intake.call.filed.v1", call_id=call["id"])

        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["status"] == "completed" and paper["service_mode"] == "carry_in"
        assert paper["repair_card"]["status"] == "returned"
        assert paper["repair_card"]["labour_minutes"] == 90
        assert paper["workshop_entry"]["in_on"] == "2026-03-16"
        assert paper["workshop_entry"]["out_on"] == "2026-03-17"
        assert [(s["document"], s["purpose"], s["signer_role"]) for s in paper["signatures"]] == [
            ("voucher", "carry_in", "customer"), ("pickup_receipt", "issue", "technician"),
            ("repair_card", "inspection", "supervisor"), ("voucher", "return", "customer")]
