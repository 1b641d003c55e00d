"""Helpers for dispatch integration tests: vouchers fed in as intake would publish them."""

from __future__ import annotations

from datetime import datetime

import httpx
from fastapi import FastAPI

from shared.events.intake import CallRegistered
from tests.helpers import eventually, token
from tests.intake.support_intake import SUPERVISOR, at, inject

T01 = token("technician", "T01")
T02 = token("technician", "T02")


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
