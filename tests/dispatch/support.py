"""Support for dispatch's tests: tokens, vouchers fed in as intake would publish them,
a customer file to call from, settings for both engines, and fixtures for the fast
service-layer tests (``shared.testing``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.domain.board import VoucherKind, VoucherStatus
from services.dispatch.models import Base, Voucher, plumbing
from shared.clock import FixedClock
from shared.context import Context
from shared.db import Database
from shared.events.intake import CallRegistered
from shared.testing import RecordingOutbox, fake_context, memory_database
from tests.helpers import Stream, eventually, inject, stream_of, token  # noqa: F401 (re-exported)

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")
MANAGER = token("branch_manager", "M01")
T01 = token("technician", "T01")
T02 = token("technician", "T02")


def at(text: str) -> datetime:
    """An aware instant from ISO text, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


# --- integration (real NATS and database) ---------------------------------------------


async def issue_voucher(
    app: FastAPI, client: httpx.AsyncClient, call_id: int, *, category: str = "A",
    received_at: str = "2026-03-16T10:00:00+08:00", due: str = "2026-03-16T17:00:00+08:00",
) -> str:
    """Publish a CallRegistered and wait until its voucher is on the board."""
    no = f"SC01-V{call_id:06d}"
    await inject(app, CallRegistered(
        call_id=call_id, voucher_no=no, branch="SC01", customer_id=1, customer_name="Wu Mei",
        district="Huangpu", product_id=1, model="TV-55Q", serial="SN1", symptom="no picture",
        category=category, sla_class="urban", received_at=at(received_at),
        arrival_due_at=at(due), registered_by="C01"))

    async def known() -> bool:
        r = await client.get(f"/vouchers/{no}", headers=SUPERVISOR)
        return r.status_code == 200

    await eventually(known)
    return no


async def on_site(client: httpx.AsyncClient, no: str, *, technician: str = "T01",
                  arrived: datetime | None = None) -> None:
    """Assign the voucher and record the technician's arrival."""
    r = await client.post(f"/vouchers/{no}/assign", json={"technician_id": technician},
                          headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    body = {"at": arrived.isoformat()} if arrived else {}
    r = await client.post(f"/vouchers/{no}/arrive", json=body,
                          headers=token("technician", technician))
    assert r.status_code == 200, r.text


async def customer_with_product(
    intake: httpx.AsyncClient, *, phone: str = "13800000001", district: str = "Huangpu",
    purchased_on: str = "2020-01-01", warranty_months: int = 12, name: str = "Wu Mei",
) -> tuple[int, int]:
    """A customer file with one product at intake; returns (customer_id, product_id)."""
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


async def audit_actions(app: FastAPI, subject_id: str, action: str) -> int:
    """How many audit entries ``action`` the service holds for ``subject_id``."""
    table = plumbing.audit_log
    async with app.state.runtime.db.reading() as session:
        found = await session.scalar(
            select(func.count()).select_from(table)
            .where(table.c.subject_id == subject_id, table.c.action == action))
    return int(found or 0)


async def outbox_types(app: FastAPI, event_type: str) -> int:
    """How many events of ``event_type`` the service's outbox holds (sent or not)."""
    table = plumbing.outbox
    async with app.state.runtime.db.reading() as session:
        found = await session.scalar(
            select(func.count()).select_from(table).where(table.c.event_type == event_type))
    return int(found or 0)


async def count(app: FastAPI, model: Any, *where: Any) -> int:
    """How many ``model`` rows match ``where`` in the service's database."""
    async with app.state.runtime.db.reading() as session:
        return int(await session.scalar(
            select(func.count()).select_from(model).where(*where)) or 0)


# --- service layer (fast: in-memory SQLite, fixed clock, recording outbox) ------------

@asynccontextmanager
async def unit(now: datetime) -> AsyncIterator[tuple[Context, RecordingOutbox, Database]]:
    """A fake context at ``now`` and an in-memory database with dispatch's tables."""
    ctx, outbox = fake_context(plumbing, clock=FixedClock(now), service="dispatch")
    async with memory_database(Base.metadata) as db:
        yield ctx, outbox, db


def voucher(
    no: str = "SC01-V000001", *, status: VoucherStatus = VoucherStatus.ON_SITE,
    technician_id: str | None = "T01", category: str = "A", call_id: int | None = 1,
    kind: VoucherKind = VoucherKind.CALL, received_at: datetime | None = None,
    arrived_at: datetime | None = None,
) -> Voucher:
    """A voucher row as the board would hold it (SC01, urban, arrival due 17:00)."""
    received = received_at or at("2026-03-16T10:00:00+08:00")
    return Voucher(
        voucher_no=no, kind=kind.value, call_id=call_id, branch="SC01", category=category,
        sla_class="urban", customer_id=1, product_id=1, customer_name="Wu Mei",
        district="Huangpu", model="TV-55Q", symptom="no picture", received_at=received,
        arrival_due_at=at("2026-03-16T17:00:00+08:00"), priority=False, status=status.value,
        technician_id=technician_id, created_at=received,
        arrived_at=arrived_at or (received if status == VoucherStatus.ON_SITE else None),
    )


async def audit_rows(session: AsyncSession) -> list[tuple[str, str]]:
    """Every audit entry as ``(action, subject_id)``, oldest first."""
    table = plumbing.audit_log
    rows = await session.execute(select(table.c.action, table.c.subject_id).order_by(table.c.id))
    return [(a, s) for a, s in rows]
