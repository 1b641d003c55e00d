"""Helpers for intake's tests: tokens, a customer file to call from over HTTP, the
in-memory unit of work for service-layer tests, and settings for both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx

from services.intake.models import Base, plumbing
from services.intake.schemas import CustomerIn, ProductIn
from services.intake.service import customers
from shared.auth import Actor
from shared.clock import FixedClock
from shared.context import Context
from shared.db import Database
from shared.testing import RecordingOutbox, fake_context, memory_database
from tests.helpers import Stream, inject, stream_of, token  # noqa: F401 (re-exported)

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")
MANAGER = token("branch_manager", "M01")
CLERK_ACTOR = Actor(user_id="C01", role="clerk", branch="SC01")


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



@asynccontextmanager
async def unit(now: str = "2026-03-16T10:00:00+08:00"
               ) -> AsyncIterator[tuple[Context, RecordingOutbox, Database]]:
    """A fake context at ``now`` and an in-memory database of intake's tables."""
    ctx, outbox = fake_context(plumbing, clock=FixedClock(at(now)), service="intake")
    async with memory_database(Base.metadata) as db:
        yield ctx, outbox, db


async def file_with_product(ctx: Context, db: Database, *, phone: str = "13800000001",
                            district: str = "Huangpu", purchased_on: str = "2020-01-01",
                            warranty_months: int = 12) -> tuple[int, int]:
    """A customer file with one product, through the use cases; (customer_id, product_id)."""
    async with db.transaction() as session:
        customer, _ = await customers.register_customer(ctx, session, actor=CLERK_ACTOR,
                                                        data=CustomerIn(
            name="Wu Mei", phone=phone, address="88 Huaihai Rd", district=district,
            branch="SC01"))
        product = await customers.register_product(ctx, session, actor=CLERK_ACTOR,
                                                   data=ProductIn(
            customer_id=customer.id, model="TV-55Q", serial=f"SN-{phone}",
            purchased_on=purchased_on, warranty_months=warranty_months))  # type: ignore[arg-type]
        return customer.id, product.id
