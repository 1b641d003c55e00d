"""The broker dies mid-flow (SIGKILL) and comes back: intake keeps taking calls into its
outbox meanwhile, and every one reaches the board exactly once afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tools.launcher import NatsServer, ServiceProcess, free_port

from ..helpers import eventually, token

pytestmark = pytest.mark.e2e

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")


async def test_broker_killed_and_restarted_loses_and_duplicates_nothing(ns, tmp_path: Path):
    # A private nats-server, so that killing it touches nobody else.
    nats = NatsServer(port=free_port(), store_dir=tmp_path / "nats").start()
    env = {**ns.env(), "AFTERSALES_NATS_URL": nats.url}
    procs = [ServiceProcess(n, env=env, port=free_port(), log_dir=tmp_path / "logs")
             for n in ("intake", "dispatch")]
    intake, dispatch = procs
    try:
        for p in procs:
            p.start()
        await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 90) for p in procs))
        async with httpx.AsyncClient(timeout=30) as http:
            c = await http.post(f"{intake.url}/customers", headers=CLERK, json={
                "name": "Wu Mei", "phone": "13800000001", "address": "88 Huaihai Rd",
                "district": "Huangpu", "branch": "SC01"})
            p = await http.post(f"{intake.url}/products", headers=CLERK, json={
                "customer_id": c.json()["id"], "model": "TV", "serial": "S",
                "purchased_on": "2026-01-01", "warranty_months": 12})
            body = {"customer_id": c.json()["id"], "product_id": p.json()["id"],
                    "symptom": "no picture"}
            posted: list[str] = []

            async def post(n: int) -> None:
                for _ in range(n):
                    r = await http.post(f"{intake.url}/calls", headers=CLERK, json=body)
                    assert r.status_code == 201, r.text
                    posted.append(r.json()["voucher_no"])

            await post(30)
            nats.proc.kill()  # SIGKILL: the broker vanishes mid-flow
            nats.proc.wait()
            await post(30)  # calls keep coming: they wait in intake's outbox
            nats.start()  # same port, same store: JetStream recovers its stream
            await post(30)

            async def board() -> list[str] | None:
                r = await http.get(f"{dispatch.url}/board", params={"branch": "SC01"},
                                   headers=SUPERVISOR)
                lines = [v["voucher_no"] for v in r.json()] if r.status_code == 200 else []
                return lines if len(lines) >= len(posted) else None

            lines = await eventually(board, within=90)
            assert len(lines) == 90
            assert sorted(lines) == sorted(posted)
    finally:
        for p in procs:
            p.stop()
        nats.stop()
