"""Concurrent POS clients, every transaction sent at least twice: each sale registered
exactly once (issue 7). Intake runs as a process on the real NATS and database."""

from __future__ import annotations

import asyncio
import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.intake.models import Customer, PosTransaction, Product
from shared.events.intake import PosSaleRegistered
from shared.stores import load_stores
from shared.webhooks import sign
from tools.launcher import ServiceProcess, free_port

from ..helpers import eventually, stream_of, token

pytestmark = pytest.mark.e2e

CLIENTS = 8
PER_CLIENT = int(os.environ.get("AFTERSALES_POS_LOAD_PER_CLIENT", "500"))
CUSTOMERS = 200  # shared between clients, so they race to open the same customer file
STORE = load_stores()["ST01"]
POS = token("pos", "ST01", "SC01")


def _message(client: int, n: int) -> bytes:
    who = (client * PER_CLIENT + n) % CUSTOMERS
    return json.dumps({
        "store_id": "ST01", "transaction_id": f"C{client}-{n}", "type": "sale",
        "occurred_at": "2026-11-20T10:00:00+08:00",
        "customer": {"name": f"Customer {who}", "phone": f"137{who:08d}",
                     "address": "1 Nanjing Rd", "district": "Huangpu"},
        "product": {"model": "TV-65X", "serial": f"SN-{client}-{n}", "price": "4999.00"},
    }).encode()


async def _send(http: httpx.AsyncClient, url: str, body: bytes, msg_id: str) -> dict:
    headers = {**sign(STORE.secret, msg_id=msg_id, body=body, at=datetime.now(UTC)),
               **POS, "content-type": "application/json"}
    r = await http.post(f"{url}/pos/events", content=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _client(http: httpx.AsyncClient, url: str, client: int, rng: random.Random) -> None:
    for n in range(PER_CLIENT):
        body = _message(client, n)
        msg_id = f"ST01-C{client}-{n}"
        if rng.random() < 0.5:  # the retry overlaps the first attempt
            first, retry = await asyncio.gather(_send(http, url, body, msg_id),
                                                _send(http, url, body, msg_id))
        else:  # the retry comes after the answer was lost
            first = await _send(http, url, body, msg_id)
            retry = await _send(http, url, body, msg_id)
        assert first == retry


async def test_concurrent_pos_clients_register_each_sale_exactly_once(ns, tmp_path: Path):
    intake = ServiceProcess("intake", env=ns.env(), port=free_port(), log_dir=tmp_path)
    intake.start()
    try:
        await asyncio.to_thread(intake.wait_healthy, 90)
        limits = httpx.Limits(max_connections=2 * CLIENTS)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            await asyncio.gather(*(
                _client(http, intake.url, c, random.Random(c)) for c in range(CLIENTS)
            ))
        total = CLIENTS * PER_CLIENT
        engine = create_async_engine(ns.settings("intake").sqlalchemy_url())
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(PosTransaction)) == total
            assert await conn.scalar(select(func.count()).select_from(Product)) == total
            assert await conn.scalar(
                select(func.count(func.distinct(Product.serial)))) == total
            assert await conn.scalar(select(func.count()).select_from(Customer)) == CUSTOMERS
        await engine.dispose()
        async with stream_of(ns) as stream:
            async def all_published() -> bool:
                return len(await stream.events(PosSaleRegistered.event_type)) >= total

            await eventually(all_published, within=120)
            assert len(await stream.events(PosSaleRegistered.event_type)) == total
    finally:
        intake.stop()
