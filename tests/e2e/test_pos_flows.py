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
