"""Every input checked at the edge, every record checked against the caller's branch
(issue 11): a clear 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest

from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from tests.helpers import running, token
from tests.intake.support import CLERK, at, customer_with_product

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")
OTHER = token("clerk", "C21", "SC02")
BIG = 2**31


async def test_implausible_or_hostile_input_is_refused_naming_the_field(ns) -> None:
    async with running(intake_app(ns.settings("intake"), clock=FixedClock(NOW))) as intake:
        customer_id, product_id = await customer_with_product(intake)
        call = {"customer_id": customer_id, "product_id": product_id, "symptom": "x"}
        customer = {"name": "Wu", "phone": "13800000002", "address": "1 Rd",
                    "district": "Xuhui", "branch": "SC01"}
        product = {"customer_id": customer_id, "model": "M", "serial": "S",
                   "purchased_on": "2026-03-16", "warranty_months": 12}
        refusals = [
            ("/calls", {**call, "received_at": "1900-01-01T10:00:00+08:00"}, "received_at"),
            ("/calls", {**call, "received_at": "2026-03-16T10:06:00+08:00"}, "received_at"),
            ("/calls", {**call, "received_at": "2026-03-16T10:00:00"}, "received_at"),
            ("/calls", {**call, "customer_id": True}, "customer_id"),
            ("/calls", {**call, "customer_id": str(customer_id)}, "customer_id"),
            ("/calls", {**call, "customer_id": BIG}, "customer_id"),
            ("/calls", {**call, "product_id": -3863544419581361844649984}, "product_id"),
            ("/calls", {**call, "symptom": "no\x00picture"}, "symptom"),
            ("/calls", {**call, "symptom": "   "}, "symptom"),
            ("/customers", {**customer, "name": "Wu\x00"}, "name"),
            ("/customers", {**customer, "address": "a\nb"}, "address"),
            ("/customers", {**customer, "phone": "12345"}, "phone"),
            ("/customers", {**customer, "name": "W" * 121}, "name"),
            ("/products", {**product, "purchased_on": "2026-03-17"}, "purchased_on"),
            ("/products", {**product, "purchased_on": "9999-12-31"}, "purchased_on"),
            ("/products", {**product, "purchased_on": "0001-01-01"}, "purchased_on"),
            ("/products", {**product, "warranty_months": 12.0}, "warranty_months"),
            ("/products", {**product, "customer_id": BIG}, "customer_id"),
        ]
        for path, body, field in refusals:
            r = await intake.post(path, json=body, headers=CLERK)
            assert (r.status_code, r.json()["field"]) == (422, field), (path, body, r.text)
        assert (await intake.post("/products", json=product, headers=CLERK)).status_code == 201
        for path in (f"/calls/{BIG}", f"/customers/{BIG}", "/calls/-3863544419581361844649984"):
            r = await intake.get(path, headers=CLERK)
            assert r.status_code in (404, 422), (path, r.text)
        for path in (f"/calls/{BIG}/file", "/calls/-3863544419581361844649984/file"):
            assert (await intake.post(path, headers=CLERK)).status_code in (404, 422)
        merge = await intake.post(f"/customers/{customer_id}/merge",
                                  json={"duplicate_id": BIG}, headers=CLERK)
        assert merge.status_code == 422 and merge.json()["field"] == "duplicate_id"


async def test_one_number_is_one_customer_however_it_is_written(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        body = {"name": "Wu", "address": "1 Rd", "district": "Xuhui", "branch": "SC01"}
        first = await intake.post("/customers", json={**body, "phone": "+8613452928970"},
                                  headers=CLERK)
        again = await intake.post("/customers", json={**body, "phone": "13452928970"},
                                  headers=CLERK)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["phone"] == "+8613452928970"


async def test_every_record_is_checked_against_the_callers_branch(ns) -> None:
    async with running(intake_app(ns.settings("intake"), clock=FixedClock(NOW))) as intake:
        customer_id, product_id = await customer_with_product(intake)
        call = (await intake.post("/calls", headers=CLERK, json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "x"})).json()
        other_customer, _ = await customer_with_product(intake, phone="13800000009")
        attempts = [
            ("get", f"/calls/{call['id']}", None),
            ("post", f"/calls/{call['id']}/cancel", {"reason": "mine now"}),
            ("post", f"/calls/{call['id']}/file", None),
            ("get", f"/customers/{customer_id}", None),
            ("post", f"/customers/{customer_id}/merge", {"duplicate_id": other_customer}),
            ("post", "/products", {"customer_id": customer_id, "model": "M", "serial": "S",
                                   "purchased_on": "2026-01-01", "warranty_months": 12}),
            ("post", "/calls", {"customer_id": customer_id, "product_id": product_id,
                                "symptom": "x"}),
            ("post", "/customers", {"name": "Wu", "phone": "13800000001", "address": "x",
                                    "district": "Gusu", "branch": "SC01"}),
            ("get", "/calls?date=2026-03-16&branch=SC01", None),
        ]
        for method, path, body in attempts:
            r = await intake.request(method, path, json=body, headers=OTHER)
            assert r.status_code == 403, (method, path, r.text)
        unchanged = await intake.get(f"/calls/{call['id']}", headers=CLERK)
        assert unchanged.json()["status"] == "registered"


async def test_the_days_register_pages_with_a_link_to_the_next(ns) -> None:
    async with running(intake_app(ns.settings("intake"), clock=FixedClock(NOW))) as intake:
        customer_id, product_id = await customer_with_product(intake)
        ids = []
        for _ in range(3):
            r = await intake.post("/calls", headers=CLERK, json={
                "customer_id": customer_id, "product_id": product_id, "symptom": "x"})
            ids.append(r.json()["id"])
        params = {"date": "2026-03-16", "branch": "SC01"}
        page = await intake.get("/calls", params={**params, "limit": 2}, headers=CLERK)
        assert [c["id"] for c in page.json()] == ids[:2]
        link = page.headers["Link"]
        assert link.endswith('; rel="next"')
        rest = await intake.get(link[1:link.index(">")], headers=CLERK)
        assert [c["id"] for c in rest.json()] == ids[2:] and "Link" not in rest.headers
        whole = await intake.get("/calls", params=params, headers=CLERK)
        assert [c["id"] for c in whole.json()] == ids and "Link" not in whole.headers
        too_many = await intake.get("/calls", params={**params, "limit": 1001}, headers=CLERK)
        assert too_many.status_code == 422 and too_many.json()["field"] == "limit"
