"""Helpers for intake and dispatch integration tests: the test's stream, read and fed
directly, and a customer file to call from."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.helpers import Stream, inject, stream_of, token  # noqa: F401 (re-exported)

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")
MANAGER = token("branch_manager", "M01")


def at(text: str) -> datetime:
    """An aware instant from ISO text, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


async def customer_with_product(
    intake: httpx.AsyncClient, *, phone: str = "13800000001", district: str = "Huangpu",
    purchased_on: str = "2020-01-01", warranty_months: int = 12, name: str = "Wu Mei",
) -> tuple[int, int]:
    """A customer file with one product; returns (customer_id, product_id)."""
    customer = await intake.post(
        "/customers", json={"name": name, "phone": phone, "address": "88 Huaihai Rd",
                            "district": district, "branch": "SC01"}, headers=CLERK)
    assert customer.status_code in (200, 201), customer.text
    product = await intake.post(
        "/products", json={"customer_id": customer.json()["id"], "model": "TV-55Q",
                           "serial": f"SN-{phone}", "purchased_on": purchased_on,
                           "warranty_months": warranty_months, "seller": "Store 7"},
        headers=CLERK)
    assert product.status_code == 201, product.text
    return customer.json()["id"], product.json()["id"]
