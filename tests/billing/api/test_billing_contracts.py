"""Maintenance contracts, expiry notices and extended warranties, end to end
(SPEC S6 B, S20, E1–E4, §7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.events.billing import ContractExpiring, CoverGranted
from shared.events.intake import PosSaleRegistered
from tests.helpers import eventually, token

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
COUNTER = token("counter", "K01")


async def test_s6_b_contract_grants_cover_and_invoices_its_fee(billing) -> None:
    body = {"branch": "SC01", "customer_id": 7, "product_id": 70, "starts_on": "2026-04-01",
            "ends_on": "2027-03-31", "fee": "360.00"}
    r = await billing.client.post("/contracts", json=body, headers=token("clerk", "C01"))
    assert r.status_code == 403
    r = await billing.client.post("/contracts", json={**body, "ends_on": "2026-03-01"},
                                  headers=ACCOUNTANT)
    assert r.status_code == 422 and (r.json()["field"], r.json()["rule"]) == ("ends_on", "S6")
    r = await billing.client.post("/contracts", json={**body, "fee": "-1"}, headers=ACCOUNTANT)
    assert r.status_code == 422 and r.json()["field"] == "fee"
    r = await billing.client.post("/contracts", json=body, headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    contract = r.json()
    assert contract["contract_no"] == "MC-SC01-2026-00001" and contract["fee"] == "360.00"
    cover = await eventually(lambda: billing.last(CoverGranted))
    assert (cover.kind, cover.ref, cover.product_id, cover.starts_on, cover.ends_on) == (
        "contract", contract["contract_no"], 70, date(2026, 4, 1), date(2027, 3, 31))
    [invoice] = (await billing.client.get("/invoices", params={"ref": contract["contract_no"]},
                                          headers=ACCOUNTANT)).json()
    assert (invoice["amount"], invoice["status"], invoice["source"]) == (
        "360.00", "issued", "contract")


async def test_s20_expiry_notice_one_month_before_end_fires_once(billing) -> None:
    body = {"branch": "SC01", "customer_id": 8, "product_id": 80, "starts_on": "2025-05-01",
            "ends_on": "2026-04-30", "fee": "0.00"}
    r = await billing.client.post("/contracts", json=body, headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    contract_no = r.json()["contract_no"]
    # Due at Shanghai midnight starting 30 March = 29 March 16:00Z.
    assert r.json()["notice_due_at"] == "2026-03-29T16:00:00Z"
    watcher = billing.rt.watchers["contract-expiry"]
    notices = "/contracts/expiry-notices"
    supervisor = token("supervisor", "S01")
    billing.clock.advance(timedelta(days=13, hours=13))  # 29 March 15:00Z: not yet
    await watcher.tick()
    assert (await billing.client.get(notices, params={"branch": "SC01"},
                                     headers=supervisor)).json() == []
    billing.clock.advance(timedelta(hours=1))
    await watcher.tick()
    await watcher.tick()  # a second pass finds nothing left to send
    listed = (await billing.client.get(notices, params={"branch": "SC01"},
                                       headers=supervisor)).json()
    assert [(n["contract_no"], n["ends_on"], n["issued_on"]) for n in listed] == [
        (contract_no, "2026-04-30", "2026-03-30")]
    expiring = await eventually(lambda: billing.all(ContractExpiring))
    assert [(e.contract_no, e.ends_on, e.product_id) for e in expiring] == [
        (contract_no, date(2026, 4, 30), 80)]
    read = await billing.client.get(f"/contracts/{contract_no}", headers=ACCOUNTANT)
    assert read.json()["notice_sent_at"] == "2026-03-29T16:00:00Z"


async def test_e1_quote_by_price_band_and_term(billing) -> None:
    seed = {1: "279.00", 2: "528.00", 3: "777.00", 4: "1023.00"}
    for years, price in seed.items():
        r = await billing.client.get("/extended-warranty/quote",
                                     params={"product_price": "6000", "years": years},
                                     headers=COUNTER)
        assert r.status_code == 200 and r.json() == {"years": years, "price": price}
    for params, field in (({"product_price": "6000", "years": 6}, "years"),
                          ({"product_price": "6000", "years": "two"}, "years"),
                          ({"product_price": "abc", "years": 1}, "product_price"),
                          ({"product_price": "-5", "years": 1}, "product_price"),
                          ({"years": 1}, "product_price")):
        r = await billing.client.get("/extended-warranty/quote", params=params, headers=COUNTER)
        assert r.status_code == 422 and r.json()["field"] == field, (params, r.text)
    assert (await billing.client.get("/extended-warranty/quote",
                                     params={"product_price": "1", "years": 1})).status_code == 401


async def test_e1_counter_sale_covers_from_day_after_maker_warranty(billing) -> None:
    body = {"branch": "SC01", "customer_id": 9, "product_id": 90, "product_price": "6000.00",
            "years": 2, "maker_warranty_ends_on": "2027-03-15"}
    r = await billing.client.post("/extended-warranties", json=body,
                                  headers=token("warehouse", "W1"))
    assert r.status_code == 403
    r = await billing.client.post("/extended-warranties", json=body, headers=COUNTER)
    assert r.status_code == 201, r.text
    sold = r.json()
    assert (sold["price"], sold["starts_on"], sold["ends_on"], sold["channel"]) == (
        "528.00", "2027-03-16", "2029-03-15", "counter")
    again = await billing.client.post("/extended-warranties", json=body, headers=COUNTER)
    assert again.status_code == 409 and again.json()["field"] == "product_id"
    cover = await eventually(lambda: billing.last(CoverGranted))
    assert (cover.kind, cover.ref, cover.starts_on, cover.ends_on) == (
        "extended_warranty", sold["warranty_no"], date(2027, 3, 16), date(2029, 3, 15))
    r = await billing.client.get(f"/extended-warranties/{sold['warranty_no']}", headers=COUNTER)
    terms = r.json()["cover"]
    assert terms["whole_unit"] and terms["unlimited_repairs"] and terms["max_repairs"] is None
    assert terms["power_surge"] and terms["remote_control"]  # E3
    assert terms["replacement_when_unrepairable"]  # E4
    [invoice] = (await billing.client.get("/invoices", params={"ref": sold["warranty_no"]},
                                          headers=ACCOUNTANT)).json()
    assert invoice["amount"] == "528.00"


async def test_e1_pos_sale_with_extended_warranty_opens_it_once(billing) -> None:
    sale = dict(store_id="ST01", transaction_id="TX-77", branch="SC01", customer_id=11,
                product_id=110, model="TV-65", serial="SN-65", price="6000.00",
                sold_on=date(2026, 3, 14), warranty_ends_on=date(2027, 3, 13),
                extended_warranty_years=3, extended_warranty_price="777.00")
    await billing.publish(PosSaleRegistered(**sale))
    await billing.publish(PosSaleRegistered(**sale))  # re-published with a new event id
    # A second appliance of the same POS transaction gets its own extended warranty.
    await billing.publish(PosSaleRegistered(**{**sale, "product_id": 112, "serial": "SN-66"}))
    await billing.publish(PosSaleRegistered(**{**sale, "transaction_id": "TX-78",
                                               "product_id": 111,
                                               "extended_warranty_years": None}))
    async def two_grants() -> list[CoverGranted] | None:
        grants = await billing.all(CoverGranted)
        return grants if len(grants) >= 2 else None

    cover = next(g for g in await eventually(two_grants) if g.product_id == 110)
    assert (cover.kind, cover.product_id, cover.starts_on, cover.ends_on) == (
        "extended_warranty", 110, date(2027, 3, 14), date(2030, 3, 13))
    r = await billing.client.get(f"/extended-warranties/{cover.ref}", headers=ACCOUNTANT)
    assert (r.json()["channel"], r.json()["store_id"], r.json()["price"]) == (
        "pos", "ST01", "777.00")
    await eventually(lambda: billing.drained("pos-sale"))
    grants = await billing.all(CoverGranted)
    assert sorted(g.product_id for g in grants) == [110, 112]


async def test_merged_customer_files_bring_their_contracts_along(billing) -> None:
    """SPEC §1: once intake merges two customer files, billing finds the duplicate's
    contract under the surviving customer."""
    from shared.events.intake import CustomerMerged

    body = {"branch": "SC01", "customer_id": 31, "product_id": 310,
            "starts_on": "2026-04-01", "ends_on": "2027-03-31", "fee": "360.00"}
    r = await billing.client.post("/contracts", json=body, headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    contract_no = r.json()["contract_no"]
    await billing.publish(CustomerMerged(branch="SC01", survivor_id=30, duplicate_id=31,
                                         product_ids=[310], call_ids=[], merged_by="C01"))

    async def moved():
        r = await billing.client.get(f"/contracts/{contract_no}", headers=ACCOUNTANT)
        return r.json() if r.json()["customer_id"] == 30 else None

    assert (await eventually(moved))["product_id"] == 310
