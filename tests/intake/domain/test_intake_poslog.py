"""ARTS POSLog reading (SPEC §7): the mapping, and bounded work whatever the shape."""

from __future__ import annotations

import time

import pytest

from services.intake.domain.pos import MAX_DEPTH, poslog_messages, read_xml
from shared.rules import RuleBroken

POSLOG = b"""<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><Transaction>
<RetailStoreID>ST01</RetailStoreID><WorkstationID>W</WorkstationID>
<SequenceNumber>7</SequenceNumber><EndDateTime>2026-11-21T15:30:00+08:00</EndDateTime>
<RetailTransaction>
 <LineItem><Sale><ItemID>WM</ItemID><SerialNumber>S1</SerialNumber>
  <ExtendedAmount>3200.00</ExtendedAmount></Sale></LineItem>
 <LineItem><Sale ItemType="ExtendedWarranty"><SerialNumber>S1</SerialNumber>
  <WarrantyYears>2</WarrantyYears></Sale></LineItem>
 <Customer><Name>Gao</Name><TelephoneNumber>13700000003</TelephoneNumber>
  <Address><AddressLine>7 Rd</AddressLine><District>Qingpu</District></Address></Customer>
</RetailTransaction></Transaction></POSLog>"""


def nested(levels: int) -> bytes:
    return (b"<POSLog><Transaction><RetailTransaction><LineItem>" + b"<Sale>" * levels
            + b"</Sale>" * levels + b"</LineItem></RetailTransaction></Transaction></POSLog>")


def test_poslog_sale_maps_onto_a_pos_message() -> None:
    [message] = poslog_messages(POSLOG)
    assert (message["store_id"], message["transaction_id"]) == ("ST01", "W-7")
    assert message["items"] == [{"model": "WM", "serial": "S1", "price": "3200.00",
                                 "extended_warranty_years": "2"}]
    assert message["customer"] == {"name": "Gao", "phone": "13700000003",
                                   "address": "7 Rd", "district": "Qingpu"}


def test_a_document_nested_deeper_than_the_limit_is_refused() -> None:
    read_xml(nested(MAX_DEPTH - 10))
    with pytest.raises(RuleBroken) as refused:
        poslog_messages(nested(4000))
    assert refused.value.field == "body" and "deeper" in refused.value.message


def test_reading_is_linear_a_4000_level_body_costs_milliseconds() -> None:
    # issue 11: 4,000 nested <Sale> once took 21.9 s; refused in one streaming pass now
    started = time.perf_counter()
    with pytest.raises(RuleBroken):
        poslog_messages(nested(4000))
    assert time.perf_counter() - started < 0.05


def test_many_flat_sales_within_the_limit_are_read_in_linear_time() -> None:
    lines = b"".join(b"<LineItem><Sale><ItemID>M</ItemID><SerialNumber>S%d</SerialNumber>"
                     b"<ExtendedAmount>1.00</ExtendedAmount></Sale></LineItem>" % i
                     for i in range(20000))
    doc = (b"<POSLog><Transaction><RetailStoreID>ST01</RetailStoreID><RetailTransaction>"
           + lines + b"</RetailTransaction></Transaction></POSLog>")
    started = time.perf_counter()
    [message] = poslog_messages(doc)
    assert len(message["items"]) == 20000
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("xml", [b"<POSLog><Transaction>", b"",
                                 b'<!DOCTYPE x [<!ENTITY a "aaaa">]><POSLog>&a;</POSLog>'])
def test_bad_or_hostile_xml_is_refused_naming_the_body(xml: bytes) -> None:
    with pytest.raises(RuleBroken) as refused:
        poslog_messages(xml)
    assert refused.value.field == "body"
