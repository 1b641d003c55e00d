"""The clerk claims an anonymous POS sale into the caller's file from the customer file
page (issue 15, SPEC §7)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.stores import load_stores
from shared.webhooks import sign
from tests.helpers import running, token
from tests.intake.pages.test_intake_pages import _app, _sign_in
from tests.intake.support import CLERK, customer_with_product

pytestmark = pytest.mark.integration

STORE = load_stores()["ST01"]


async def test_pos_anonymous_sale_claimed_from_the_customer_file_page(ns) -> None:
    async with running(_app(ns)) as intake:
        body = json.dumps({
            "store_id": "ST01", "transaction_id": "ANON-1", "type": "sale",
            "occurred_at": "2026-03-15T11:00:00+08:00", "customer": None,
            "items": [{"model": "MW-20", "serial": "MW20-PAGE-1", "price": "399.00"}],
        }).encode()
        headers = {**sign(STORE.secret, msg_id=uuid.uuid4().hex, body=body,
                          at=datetime.now(UTC)), **token("pos", "ST01", "SC01"),
                   "content-type": "application/json"}
        sold = await intake.post("/pos/events", content=body, headers=headers)
        assert sold.status_code == 201 and sold.json()["anonymous"] is True, sold.text
        customer_id, _ = await customer_with_product(intake, phone="13800000066")
        csrf = await _sign_in(intake)
        page = await intake.get(f"/customers/{customer_id}/file")
        assert 'id="claim-product"' in page.text
        wrong = await intake.post(f"/customers/{customer_id}/claim-product/page",
                                  data={"serial": "NOPE", "csrf_token": csrf})
        assert wrong.status_code == 422
        r = await intake.post(f"/customers/{customer_id}/claim-product/page",
                              data={"serial": "MW20-PAGE-1", "csrf_token": csrf})
        assert r.status_code == 303, r.text
        file = await intake.get(f"/customers/{customer_id}", headers=CLERK)
        assert "MW20-PAGE-1" in [p["serial"] for p in file.json()["products"]]
