"""SPEC S18 (issue 13 item 11a) with the services as processes: a call received three days
ago and never dispatched is priority on the board from the moment it is registered, not
only after the next morning's reconciliation, and comes first among the waiting ones."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tools.launcher import ServiceProcess

from ..helpers import eventually, token

pytestmark = pytest.mark.e2e

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")


@pytest.fixture
def processes(service_processes) -> dict[str, ServiceProcess]:
    return service_processes("intake", "dispatch")


async def test_s18_call_received_three_days_ago_is_priority_at_once(ns, processes, http):
    intake, dispatch = processes["intake"], processes["dispatch"]
    for p in (intake, dispatch):
        p.start()
    await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 90) for p in (intake, dispatch)))

    customer = await http.post(f"{intake.url}/customers", headers=CLERK, json={
        "name": "Wu Mei", "phone": "13800000018", "address": "88 Huaihai Rd",
        "district": "Huangpu", "branch": "SC01"})
    assert customer.status_code == 201, customer.text
    product = await http.post(f"{intake.url}/products", headers=CLERK, json={
        "customer_id": customer.json()["id"], "model": "TV-55Q", "serial": "SN-S18",
        "purchased_on": "2020-01-01", "warranty_months": 12})
    assert product.status_code == 201, product.text
    ids = {"customer_id": customer.json()["id"], "product_id": product.json()["id"]}

    today = await http.post(f"{intake.url}/calls", headers=CLERK,
                            json={**ids, "symptom": "no sound"})
    assert today.status_code == 201, today.text
    # A letter of three days ago found in the tray: beyond the desk window, so the
    # supervisor registers it with the reason (SPEC CT1).
    received = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    late = await http.post(f"{intake.url}/calls", headers=SUPERVISOR, json={
        **ids, "symptom": "no picture", "received_at": received,
        "backdate_reason": "letter found in the tray, posted three days ago"})
    assert late.status_code == 201, late.text
    late_no, today_no = late.json()["voucher_no"], today.json()["voucher_no"]

    async def both_on_board() -> list | None:
        r = await http.get(f"{dispatch.url}/board", params={"branch": "SC01"},
                           headers=SUPERVISOR)
        lines = r.json() if r.status_code == 200 else []
        return lines if {late_no, today_no} <= {v["voucher_no"] for v in lines} else None

    board = await eventually(both_on_board, within=60)
    waiting = [v for v in board if v["status"] == "waiting"]
    assert waiting[0]["voucher_no"] == late_no
    assert waiting[0]["priority"] is True, waiting[0]
    assert [v["priority"] for v in waiting if v["voucher_no"] == today_no] == [False]
