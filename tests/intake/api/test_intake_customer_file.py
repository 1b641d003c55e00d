"""The customer file over HTTP and events (SPEC §1, S6): duplicates, merges, covers."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.app import create_app as intake_app
from shared.events.billing import CoverGranted
from tests.helpers import eventually, running, token
from tests.intake.support import CLERK, customer_with_product, inject, stream_of

pytestmark = pytest.mark.integration


async def test_s6_cover_granted_by_billing_makes_later_calls_contract_b(ns) -> None:
    app = intake_app(ns.settings("intake"))
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake, purchased_on="2020-01-01")
        call = {"customer_id": customer_id, "product_id": product_id, "symptom": "noisy"}
        before = await intake.post("/calls", json=call, headers=CLERK)
        assert before.json()["category"] == "A"  # SPEC S6: out of warranty, no cover yet

        grant = CoverGranted(kind="extended_warranty", ref="EW-1", branch="SC01",
                             customer_id=customer_id, product_id=product_id,
                             starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31))
        await inject(app, grant)
        await inject(app, grant)  # redelivered: applied once

        async def covered() -> list[dict] | None:
            r = await intake.get(f"/customers/{customer_id}", headers=CLERK)
            return r.json()["products"][0]["covers"] or None

        covers = await eventually(covered)
        assert covers == [{"kind": "extended_warranty", "ref": "EW-1", "pending": False,
                           "starts_on": "2026-01-01", "ends_on": "2028-12-31"}]
        after = await intake.post("/calls", json=call, headers=CLERK)
        assert after.json()["category"] == "B"
        # the category was decided at the moment of the call and stays (S6)
        first = await intake.get(f"/calls/{before.json()['id']}", headers=CLERK)
        assert first.json()["category"] == "A"


async def test_customer_merge_moves_products_and_calls_and_keeps_history(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake, stream_of(ns) as stream:
        survivor, _ = await customer_with_product(intake, phone="13800000001")
        duplicate, dup_product = await customer_with_product(intake, phone="021-5555-0101",
                                                             name="Wu M.")
        call = await intake.post("/calls", json={"customer_id": duplicate,
                                                 "product_id": dup_product, "symptom": "x"},
                                 headers=CLERK)
        merged = await intake.post(f"/customers/{survivor}/merge",
                                   json={"duplicate_id": duplicate}, headers=CLERK)
        assert merged.status_code == 200, merged.text
        body = merged.json()
        assert len(body["products"]) == 2 and dup_product in [p["id"] for p in body["products"]]
        assert body["call_ids"] == [call.json()["id"]]
        assert body["merged_duplicates"] == [duplicate]
        old = (await intake.get(f"/customers/{duplicate}", headers=CLERK)).json()
        assert old["merged_into"] == survivor and old["products"] == []
        # the register keeps what the clerk wrote; the call now belongs to the survivor
        moved = (await intake.get(f"/calls/{call.json()['id']}", headers=CLERK)).json()
        assert moved["customer_id"] == survivor and moved["customer_name"] == "Wu M."
        # the duplicate's phone finds the survivor, not a new file
        again = await intake.post("/customers", json={
            "name": "Wu", "phone": "02155550101", "address": "x", "district": "Xuhui",
            "branch": "SC01"}, headers=CLERK)
        assert again.status_code == 200 and again.json()["id"] == survivor

        twice = await intake.post(f"/customers/{survivor}/merge",
                                  json={"duplicate_id": duplicate}, headers=CLERK)
        assert twice.status_code == 409 and twice.json()["field"] == "duplicate_id"
        itself = await intake.post(f"/customers/{survivor}/merge",
                                   json={"duplicate_id": survivor}, headers=CLERK)
        assert itself.status_code == 422
        into_merged = await intake.post("/products", json={
            "customer_id": duplicate, "model": "M", "serial": "S", "purchased_on": "2026-01-01",
            "warranty_months": 12}, headers=CLERK)
        assert into_merged.status_code == 409 and str(survivor) in into_merged.json()["detail"]
        missing = await intake.post(f"/customers/{survivor}/merge",
                                    json={"duplicate_id": 999}, headers=CLERK)
        assert missing.status_code == 404
        tech = await intake.post(f"/customers/{survivor}/merge",
                                 json={"duplicate_id": duplicate}, headers=token("technician"))
        assert tech.status_code == 403

        audit = await intake.get(f"/admin/audit/customer/{duplicate}",
                                 headers=token("admin", "root", None))
        assert [a["action"] for a in audit.json()] == ["customer.created", "customer.merged"]
        assert audit.json()[1]["by"] == "C01"
        event = (await stream.wait_for("intake.customer.merged.v1"))[0]
        assert (event["survivor_id"], event["duplicate_id"]) == (survivor, duplicate)
        assert event["product_ids"] == [dup_product]


async def test_customer_file_shows_products_with_warranty_end_and_seller(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        customer_id, product_id = await customer_with_product(intake, purchased_on="2026-01-10")
        found = await intake.get(f"/customers/{customer_id}", headers=token("supervisor", "S01"))
        product = found.json()["products"][0]
        assert product["id"] == product_id and product["warranty_ends_on"] == "2027-01-09"
        assert product["seller"] == "Store 7" and product["serial"] == "SN-13800000001"
        assert (await intake.get("/customers/999", headers=CLERK)).status_code == 404
        other = await intake.get(f"/customers/{customer_id}",
                                 headers=token("clerk", "C09", "SC02"))
        assert other.status_code == 403
