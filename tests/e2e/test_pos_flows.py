"""Retail flows across services (issue 7), in-process on the real NATS and database."""

from __future__ import annotations

import json
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from services.billing.app import create_app as billing_app
from services.intake.app import create_app as intake_app
from shared.stores import load_stores
from shared.webhooks import sign

from ..helpers import eventually, running, token

pytestmark = pytest.mark.integration

STORE = load_stores()["ST01"]
POS = token("pos", "ST01", "SC01")
CLERK = token("clerk", "C01")


async def test_pos_extended_warranty_sale_makes_a_later_call_category_b(ns) -> None:
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(running(intake_app(ns.settings("intake"))))
        await stack.enter_async_context(running(billing_app(ns.settings("billing"))))
        # Sold two years ago with a 12-month maker's warranty and 3 years of extended
        # warranty: today the maker's warranty is over and the extended one covers it.
        body = json.dumps({
            "store_id": "ST01", "transaction_id": uuid.uuid4().hex, "type": "sale",
            "occurred_at": "2024-12-01T11:00:00+08:00",
            "customer": {"name": "He Jing", "phone": "13600000001", "address": "3 Yan'an Rd",
                         "district": "Xuhui"},
            "product": {"model": "TV-65X", "serial": "TV65X-EW", "price": "6000.00",
                        "warranty_months": 12},
            "extended_warranty": {"years": 3},
        }).encode()
        headers = {**sign(STORE.secret, msg_id=uuid.uuid4().hex, body=body,
                          at=datetime.now(UTC)), **POS, "content-type": "application/json"}
        sale = await intake.post("/pos/events", content=body, headers=headers)
        assert sale.status_code == 201, sale.text
        customer_id = sale.json()["customer_id"]
        product_id = sale.json()["products"][0]["product_id"]

        async def covered():
            file = (await intake.get(f"/customers/{customer_id}", headers=CLERK)).json()
            return file["products"][0]["covers"]

        [cover] = await eventually(covered)
        assert cover["kind"] == "extended_warranty"
        assert cover["starts_on"] == "2025-12-01"

        call = await intake.post("/calls", headers=CLERK, json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "no power"})
        assert call.status_code == 201, call.text
        assert call.json()["category"] == "B"  # SPEC S6, E1


async def test_refund_decided_in_a_complaint_reaches_the_till_and_is_booked(ns, tmp_path) -> None:
    from services.complaints.app import create_app as complaints_app
    from tools.launcher import free_port

    from ..pos_simulator import PosSimulator, serve_receiver

    port = free_port()
    stores = tmp_path / "stores.json"
    stores.write_text(json.dumps({"ST01": {
        "name": "store", "branch": "SC01", "secret": STORE.secret,
        "instructions_url": f"http://127.0.0.1:{port}/instructions"}}))
    async with AsyncExitStack() as stack:
        apps = {}
        for name, factory in (("intake", intake_app), ("billing", billing_app),
                              ("complaints", complaints_app)):
            apps[name] = await stack.enter_async_context(
                running(factory(ns.settings(name, stores_file=stores))))
        complaints, billing = apps["complaints"], apps["billing"]
        till = PosSimulator(store_id="ST01", secret=STORE.secret, intake_url="http://intake")
        till.client = apps["intake"]  # the till talks to the in-process intake
        till.client.headers.update(POS)
        server, _task = await serve_receiver(till, port)
        stack.callback(lambda: setattr(server, "should_exit", True))

        counter, lead = token("counter", "K01"), token("counter_lead", "L01")
        filed = await complaints.post("/complaints", headers=counter, json={
            "profile": "retail", "market": "domestic", "classification": "quality",
            "customer": "Wang", "demand": "dead pixels: refund", "branch": "SC01",
            "store_id": "ST01", "quantity": 1, "defective_quantity": 1})
        assert filed.status_code == 201, filed.text
        case_no = filed.json()["case_no"]
        for step, who, body in (
            ("registration", counter, {"sales_slip_no": "POS-77"}),
            ("staff_investigation", counter, {"cause": "panel", "responsible_unit": "vendor"}),
            ("lead_review", lead, {"handling": "return", "amount": "450.00",
                                   "return_quantity": 1, "customer_present": True,
                                   "staff_present": "counter_lead",  # SPEC R2b
                                   "invoice_collected": True}),
        ):
            r = await complaints.post(f"/complaints/{case_no}/steps/{step}", json=body,
                                      headers=who)
            assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed"

        async def executed_at_till():
            return till.instructions or None

        [instruction] = await eventually(executed_at_till, within=30)
        assert (instruction["type"], instruction["amount"], instruction["case_no"]) == (
            "refund", "450.00", case_no)

        async def booked():
            r = await billing.get("/pos/instructions", params={"case_no": case_no},
                                  headers=token("accountant", "A01"))
            rows = r.json()
            return rows if rows and rows[0]["status"] == "confirmed" else None

        await eventually(booked, within=30)
        journal = (await billing.get("/journal", params={"case_no": case_no},
                                     headers=token("accountant", "A01"))).json()
        assert journal, "the refund was not booked"
