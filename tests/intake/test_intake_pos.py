"""POS messages into intake (SPEC §7, CONTRACT "POS"): signed, idempotent, refused whole."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.app import create_app as intake_app
from shared.events.intake import PosSaleRegistered
from shared.stores import load_stores
from shared.webhooks import sign

from ..helpers import running, stream_of, token

pytestmark = pytest.mark.integration

STORE = load_stores()["ST01"]
POS = token("pos", "ST01", "SC01")
ADMIN = token("admin", "ops", None)


def sale(txn: str | None = None, **over) -> dict:
    message = {
        "store_id": "ST01", "transaction_id": txn or uuid.uuid4().hex, "type": "sale",
        "occurred_at": "2026-11-20T10:00:00+08:00",
        "customer": {"name": "Lin Fang", "phone": "13700000001", "address": "1 Nanjing Rd",
                     "district": "Huangpu"},
        "product": {"model": "TV-65X", "serial": "TV65X-1", "price": "6000.00",
                    "warranty_months": 12},
        "extended_warranty": {"years": 3},
    }
    message.update(over)
    return message


def signed(body: bytes, *, at: datetime | None = None, secret: str = STORE.secret) -> dict:
    headers = sign(secret, msg_id=uuid.uuid4().hex, body=body, at=at or datetime.now(UTC))
    return {**headers, **POS, "content-type": "application/json"}


async def test_pos_sale_registers_customer_product_and_warranty_once(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake, stream_of(ns) as stream:
        body = json.dumps(sale("T-1")).encode()
        first = await intake.post("/pos/events", content=body, headers=signed(body))
        assert first.status_code == 201, first.text
        product = first.json()["products"][0]
        assert product["warranty_ends_on"] == "2027-11-19"
        assert product["extended_warranty_years"] == 3

        again = await intake.post("/pos/events", content=body, headers=signed(body))
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"

        events = await stream.wait_for(PosSaleRegistered.event_type, transaction_id="T-1")
        assert len(events) == 1
        assert events[0]["extended_warranty_years"] == 3 and events[0]["price"] == "6000.00"
        file = await intake.get(f"/customers/{first.json()['customer_id']}",
                                headers=token("clerk", "C01"))
        assert [p["serial"] for p in file.json()["products"]] == ["TV65X-1"]


@pytest.mark.parametrize(
    ("mangle", "status", "field"),
    [
        (lambda b, h: (b, {**h, "webhook-signature": "v1,AAAA"}), 401, "webhook-signature"),
        (lambda b, h: (b, signed(b, at=datetime.now(UTC) - timedelta(minutes=6))), 401,
         "webhook-signature"),
        (lambda b, h: (b.replace(b'"ST01"', b'"ST99"'), h), 401, "store_id"),
        (lambda b, h: (b"{not json", signed(b"{not json")), 400, "body"),
    ],
    ids=["bad-signature", "stale-timestamp", "unknown-store", "malformed-json"],
)
async def test_pos_refused_message_is_kept_and_changes_nothing(ns, mangle, status, field) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake, stream_of(ns) as stream:
        body = json.dumps(sale("T-bad")).encode()
        body, headers = mangle(body, signed(body))
        r = await intake.post("/pos/events", content=body, headers=headers)
        assert r.status_code == status, r.text
        assert r.json()["field"] == field
        rejects = (await intake.get("/pos/rejects", headers=ADMIN)).json()
        assert len(rejects) == 1 and rejects[0]["body"] == body.decode(errors="replace")
        assert "authorization" not in {k.lower() for k in rejects[0]["headers"]}
        assert await stream.events(PosSaleRegistered.event_type) == []


async def test_pos_invalid_field_is_named(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        message = sale("T-2")
        message["customer"]["phone"] = "x"
        body = json.dumps(message).encode()
        r = await intake.post("/pos/events", content=body, headers=signed(body))
        assert r.status_code == 422
        assert r.json()["field"] == "customer.phone"
        # Nothing half-applied: the same transaction id, corrected, is accepted afresh.
        message["customer"]["phone"] = "13700000002"
        body = json.dumps(message).encode()
        assert (await intake.post("/pos/events", content=body,
                                  headers=signed(body))).status_code == 201


async def test_pos_needs_a_pos_token_of_the_same_store(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        body = json.dumps(sale()).encode()
        headers = signed(body)
        no_token = {k: v for k, v in headers.items() if k != "Authorization"}
        assert (await intake.post("/pos/events", content=body, headers=no_token)).status_code == 401
        clerk = {**headers, **token("clerk", "C01")}
        assert (await intake.post("/pos/events", content=body, headers=clerk)).status_code == 403


POSLOG = """<?xml version="1.0" encoding="UTF-8"?>
<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/">
  <Transaction>
    <RetailStoreID>ST01</RetailStoreID>
    <WorkstationID>POS-3</WorkstationID>
    <SequenceNumber>{seq}</SequenceNumber>
    <EndDateTime>2026-11-21T15:30:00+08:00</EndDateTime>
    <RetailTransaction>
      <LineItem><Sale>
        <ItemID>WM-10KG</ItemID><SerialNumber>WM10-77</SerialNumber>
        <ExtendedAmount>3200.00</ExtendedAmount><WarrantyMonths>24</WarrantyMonths>
      </Sale></LineItem>
      <LineItem><Sale ItemType="ExtendedWarranty">
        <ItemID>EW-2Y</ItemID><SerialNumber>WM10-77</SerialNumber><WarrantyYears>2</WarrantyYears>
      </Sale></LineItem>
      <Customer>
        <Name>Gao Min</Name><TelephoneNumber>13700000003</TelephoneNumber>
        <Address><AddressLine>7 Tianshan Rd</AddressLine><District>Qingpu</District></Address>
      </Customer>
    </RetailTransaction>
  </Transaction>
</POSLog>"""


async def test_pos_arts_poslog_sale_maps_to_the_same_registration(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake, stream_of(ns) as stream:
        body = POSLOG.format(seq="1001").encode()
        headers = {**signed(body), "content-type": "application/xml"}
        r = await intake.post("/pos/poslog", content=body, headers=headers)
        assert r.status_code == 201, r.text
        [answer] = r.json()
        assert answer["transaction_id"] == "POS-3-1001"
        assert answer["products"][0]["warranty_ends_on"] == "2028-11-20"
        [event] = await stream.wait_for(PosSaleRegistered.event_type)
        assert (event["serial"], event["extended_warranty_years"]) == ("WM10-77", 2)

        broken = b"<POSLog><Transaction>"
        r = await intake.post("/pos/poslog", content=broken, headers=signed(broken))
        assert r.status_code == 422 and r.json()["field"] == "body"
