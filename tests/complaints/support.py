"""The complaints tests' one support module: tokens, a filing, walking steps, reading the
stream, and taking the deadline watchers out of the runtime."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import nats

from tests.helpers import token

SALES = token("sales", "E-S1", None)
GM_OFFICE = token("gm_office", "E-G1", None)
QA = token("qa", "E-Q1", None)
MFG = token("manufacturing", "E-M1", None)
RND = token("rnd", "E-R1", None)
SALES_MANAGER = token("sales_manager", "E-SM", None)
VICE_GM = token("vice_gm", "E-VG", None)
GM = token("gm", "E-GM", None)
ADMIN = token("admin", "E-AD", None)

FILING: dict[str, Any] = {
    "profile": "manufacturer",
    "market": "foreign",
    "classification": "quality",
    "customer": "Acme GmbH",
    "order_no": "SO-7781",
    "part_no": "PN-220V-01",
    "ship_date": "2026-10-20",
    "quantity": 500,
    "defective_quantity": 40,
    "demand": "replace the defective units",
}


async def file(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """File a manufacturer complaint (changes override the default filing)."""
    r = await client.post("/complaints", json={**FILING, **changes}, headers=SALES)
    assert r.status_code == 201, r.text
    return r.json()


async def step(
    client: httpx.AsyncClient, case_no: str, name: str, headers: dict[str, str],
    expect: int = 200, **body: Any,
) -> dict[str, Any]:
    """Complete a step and check the status code."""
    r = await client.post(f"/complaints/{case_no}/steps/{name}", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def walk_to_approval(
    client: httpx.AsyncClient, case_no: str, *, amount: str = "3000.00",
    handling: str = "allowance", rnd: bool = False, **qa: Any,
) -> None:
    """Registration through consolidation with the given negotiation."""
    await step(client, case_no, "registration", GM_OFFICE)
    await step(client, case_no, "qa_analysis", QA, cause="solder voids", rnd_required=rnd,
               responsible_unit="assembly", **qa)
    await step(client, case_no, "manufacturing_countermeasure", MFG,
               countermeasure="reflow profile corrected")
    if rnd:
        await step(client, case_no, "rnd_opinion", RND, opinion="pad design is fine")
    await step(client, case_no, "sales_negotiation", SALES, handling=handling, amount=amount)
    await step(client, case_no, "consolidation", GM_OFFICE, summary="agreed")


@asynccontextmanager
async def stream_reader(ns: Any, event_type: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Collect every event of a type from the test's stream as it arrives (nats-py)."""
    received: list[dict[str, Any]] = []
    nc = await nats.connect(ns.infra.nats_url)
    js = nc.jetstream()

    async def on_message(msg: Any) -> None:
        received.append(json.loads(msg.data))

    sub = await js.subscribe(f"{ns.tag}.{event_type}", stream=ns.tag.upper(), cb=on_message,
                             ordered_consumer=True)
    try:
        yield received
    finally:
        await sub.unsubscribe()
        await nc.close()


class _Parked:
    """Stands in for a watcher taken out of the runtime: it never runs, and a use case's
    "wake after commit" (``ctx.wake_after_commit``) is a no-op."""

    def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def wake_after_commit(self, _session: Any, *, due: Any = None) -> None:
        return None


def watchers_by_hand(app: Any) -> dict[str, Any]:
    """Take the watchers out of the runtime before it starts: a FixedClock test fires them
    only with ``tick()`` (their loops never run, so nothing races the test)."""
    runtime = app.state.runtime
    taken = dict(runtime.watchers)
    runtime.watchers.update({name: _Parked() for name in taken})
    return taken



async def at_once(times: int, send: Any) -> list[httpx.Response]:
    """Send the same request ``times`` times concurrently; their answers."""
    import asyncio

    return list(await asyncio.gather(*(send(i) for i in range(times))))


async def audit_count(app: Any, action: str, subject_id: str) -> int:
    """How many audit entries of ``action`` the service wrote on ``subject_id``."""
    from sqlalchemy import func, select

    table = app.state.runtime.plumbing.audit_log
    async with app.state.runtime.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(table).where(
            table.c.action == action, table.c.subject_id == subject_id)) or 0


async def outbox_count(app: Any, event_type: str) -> int:
    """How many events of ``event_type`` the service wrote to its outbox."""
    from sqlalchemy import func, select

    table = app.state.runtime.plumbing.outbox
    async with app.state.runtime.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(table).where(
            table.c.event_type == event_type)) or 0
