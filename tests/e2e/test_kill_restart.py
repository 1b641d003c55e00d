"""Nothing lost, nothing twice: the services run as processes against the real NATS and
database, and are killed with SIGKILL at awkward moments (issue 2)."""

from __future__ import annotations

import asyncio

import httpx
import nats
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from services.intake.models import plumbing as intake_plumbing
from tools.launcher import ServiceProcess

from ..helpers import eventually, token

pytestmark = pytest.mark.e2e

CALLS = 200
CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")


@pytest.fixture
def processes(service_processes) -> dict[str, ServiceProcess]:
    return service_processes("intake", "dispatch")


async def _start(*procs: ServiceProcess, **extra_env: str) -> None:
    for p in procs:
        p.start(extra_env=extra_env)
    await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 90) for p in procs))


async def _customer_and_product(http: httpx.AsyncClient, intake: ServiceProcess) -> tuple[int, int]:
    c = await http.post(f"{intake.url}/customers", headers=CLERK, json={
        "name": "Wu Mei", "phone": "13800000001", "address": "88 Huaihai Rd",
        "district": "Huangpu", "branch": "SC01"})
    p = await http.post(f"{intake.url}/products", headers=CLERK, json={
        "customer_id": c.json()["id"], "model": "TV-55Q", "serial": "SN1",
        "purchased_on": "2026-01-01", "warranty_months": 12})
    return c.json()["id"], p.json()["id"]


async def _post_calls(
    http: httpx.AsyncClient, intake: ServiceProcess, ids: tuple[int, int], n: int,
    progress: list[str],
) -> None:
    customer_id, product_id = ids
    for i in range(n):
        r = await http.post(f"{intake.url}/calls", headers=CLERK, json={
            "customer_id": customer_id, "product_id": product_id, "symptom": f"fault {i}"})
        assert r.status_code == 201, r.text
        progress.append(r.json()["voucher_no"])


async def _board(http: httpx.AsyncClient, dispatch: ServiceProcess) -> list[str]:
    # the board pages (CONTRACT "Lists"); one page of up to 1,000 holds every call here
    r = await http.get(f"{dispatch.url}/board", params={"branch": "SC01", "limit": 1000},
                       headers=SUPERVISOR)
    r.raise_for_status()
    return [line["voucher_no"] for line in r.json()]


async def _board_has(http: httpx.AsyncClient, dispatch: ServiceProcess, n: int) -> list[str]:
    async def probe() -> list[str] | None:
        board = await _board(http, dispatch)
        return board if len(board) >= n else None

    return await eventually(probe, within=90)


async def _stream_messages(ns, subject_suffix: str) -> int:
    nc = await nats.connect(ns.infra.nats_url)
    try:
        info = await nc.jetstream().stream_info(
            ns.tag.upper(), subjects_filter=f"{ns.tag}.{subject_suffix}"
        )
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def test_dispatch_killed_mid_stream_loses_and_duplicates_nothing(ns, processes, http):
    intake, dispatch = processes["intake"], processes["dispatch"]
    await _start(intake, dispatch)
    ids = await _customer_and_product(http, intake)
    posted: list[str] = []
    poster = asyncio.create_task(_post_calls(http, intake, ids, CALLS, posted))

    async def posted_at_least(n: int) -> None:
        async def probe() -> bool:
            return len(posted) >= n

        await eventually(probe, within=60)

    await posted_at_least(CALLS // 3)
    dispatch.kill()  # SIGKILL while calls keep arriving and being consumed
    await posted_at_least(2 * CALLS // 3)
    await _start(dispatch)
    await poster

    board = await _board_has(http, dispatch, CALLS)
    assert len(board) == CALLS, "a voucher was applied twice"
    assert sorted(board) == sorted(posted), "the board differs from the register"


async def test_intake_killed_between_commit_and_publish_loses_nothing(ns, processes, http):
    intake, dispatch = processes["intake"], processes["dispatch"]
    await _start(dispatch)
    await _start(intake, AFTERSALES_RELAY_PAUSED="true")
    ids = await _customer_and_product(http, intake)
    posted: list[str] = []
    await _post_calls(http, intake, ids, CALLS, posted)
    # Every call is committed with its event in the outbox, none published yet.
    assert await _stream_messages(ns, "intake.>") == 0
    intake.kill()
    await _start(intake)  # relay resumes after the crash

    board = await _board_has(http, dispatch, CALLS)
    assert sorted(board) == sorted(posted)
    assert await _stream_messages(ns, "intake.>") == CALLS


async def test_republished_outbox_is_deduplicated(ns, processes, http):
    """A relay that dies after publishing but before marking rows sent publishes them again:
    JetStream drops the copies (Nats-Msg-Id) and dispatch's inbox would skip them anyway."""
    intake, dispatch = processes["intake"], processes["dispatch"]
    await _start(intake, dispatch)
    ids = await _customer_and_product(http, intake)
    posted: list[str] = []
    await _post_calls(http, intake, ids, 50, posted)
    await _board_has(http, dispatch, 50)
    intake.kill()

    engine = create_async_engine(ns.settings("intake").sqlalchemy_url())
    async with engine.begin() as conn:
        outbox = intake_plumbing.outbox
        forgotten = await conn.execute(update(outbox).values(published_at=None))
        assert forgotten.rowcount == 50
    await engine.dispose()

    await _start(intake)

    async def all_sent() -> bool:
        engine = create_async_engine(ns.settings("intake").sqlalchemy_url())
        try:
            async with engine.connect() as conn:
                from sqlalchemy import func, select

                pending = await conn.scalar(
                    select(func.count()).where(outbox.c.published_at.is_(None))
                )
                return pending == 0
        finally:
            await engine.dispose()

    await eventually(all_sent, within=30)
    assert await _stream_messages(ns, "intake.>") == 50
    assert sorted(await _board(http, dispatch)) == sorted(posted)
