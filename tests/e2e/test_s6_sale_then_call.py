"""A call right after a POS sale with an extended warranty is B, every time (SPEC S6,
issue 13 item 11b): intake and billing run as processes on the real NATS and database;
intake records the cover from the sale itself, and billing's number joins it later."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.stores import load_stores
from shared.webhooks import sign
from tools.launcher import ServiceProcess

from ..helpers import eventually, token

pytestmark = pytest.mark.e2e

STORE = load_stores()["ST01"]
POS = token("pos", "ST01", "SC01")
CLERK = token("clerk", "C01")
ROUNDS = 5


@pytest.fixture
def processes(service_processes) -> dict[str, ServiceProcess]:
    return service_processes("intake", "billing")


def _sale(n: int) -> bytes:
    # Sold two years ago (a late POSLog batch) with a 12-month maker's warranty and three
    # years of extended warranty: today only the extended warranty covers it, so without
    # it the call would be A.
    sold = datetime.now(UTC) - timedelta(days=730)
    return json.dumps({
        "store_id": "ST01", "transaction_id": uuid.uuid4().hex, "type": "sale",
        "occurred_at": sold.isoformat(),
        "customer": {"name": f"He Jing {n}", "phone": f"1360000{n:04d}",
                     "address": "3 Yan'an Rd", "district": "Xuhui"},
        "items": [{"model": "TV-65X", "serial": f"EW-{uuid.uuid4().hex[:12]}",
                   "price": "6000.00", "warranty_months": 12, "extended_warranty_years": 3}],
    }).encode()


async def test_s6_a_call_right_after_a_sale_with_extended_warranty_is_b(processes, http):
    intake, billing = processes["intake"], processes["billing"]
    for p in (intake, billing):
        p.start()
    await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 90) for p in (intake, billing)))

    files: list[int] = []
    for n in range(ROUNDS):
        body = _sale(n)
        headers = {**sign(STORE.secret, msg_id=uuid.uuid4().hex, body=body,
                          at=datetime.now(UTC)), **POS, "content-type": "application/json"}
        sale = await http.post(f"{intake.url}/pos/events", content=body, headers=headers)
        assert sale.status_code == 201, sale.text
        customer_id = sale.json()["customer_id"]
        product_id = sale.json()["products"][0]["product_id"]
        # at once, before billing can have told intake anything
        call = await http.post(f"{intake.url}/calls", headers=CLERK, json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "no power"})
        assert call.status_code == 201, call.text
        assert call.json()["category"] == "B", f"round {n}: {call.json()['category']}"
        files.append(customer_id)

    # billing opens each contract and its number joins the cover the sale recorded
    for customer_id in files:
        async def numbered(customer_id: int = customer_id) -> list[dict] | None:
            r = await http.get(f"{intake.url}/customers/{customer_id}", headers=CLERK)
            covers = r.json()["products"][0]["covers"]
            return covers if covers and not covers[0]["pending"] else None

        covers = await eventually(numbered, within=60)
        assert len(covers) == 1, covers  # attached, not added a second time
        assert covers[0]["kind"] == "extended_warranty" and covers[0]["ref"]
