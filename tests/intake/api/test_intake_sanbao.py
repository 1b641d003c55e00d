"""三包 over HTTP (SPEC R2b): a product's category on the file, the call's answer offering
a refund inside the return window with the window's end."""

from __future__ import annotations

import pytest

from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from tests.helpers import running
from tests.intake.support import CLERK, at

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")


async def test_r2b_sanbao_call_answer_offers_a_refund_inside_the_return_window(ns) -> None:
    async with running(intake_app(ns.settings("intake"), clock=FixedClock(NOW))) as intake:
        customer = await intake.post("/customers", json={
            "name": "Wu Mei", "phone": "13800000091", "address": "88 Huaihai Rd",
            "district": "Huangpu", "branch": "SC01"}, headers=CLERK)
        assert customer.status_code in (200, 201), customer.text
        product = await intake.post("/products", json={
            "customer_id": customer.json()["id"], "model": "TV-55Q", "serial": "SN-SB-1",
            "purchased_on": "2026-03-14", "warranty_months": 12, "category": "tv"},
            headers=CLERK)
        assert product.status_code == 201 and product.json()["category"] == "tv"
        r = await intake.post("/calls", json={"customer_id": customer.json()["id"],
                                              "product_id": product.json()["id"],
                                              "symptom": "dead on arrival"}, headers=CLERK)
        assert r.status_code == 201, r.text
        assert (r.json()["sanbao_remedy"], r.json()["sanbao_window_ends_on"]) == (
            "return", "2026-03-21")
        again = await intake.get(f"/calls/{r.json()['id']}", headers=CLERK)
        assert again.json()["sanbao_remedy"] == "return"
