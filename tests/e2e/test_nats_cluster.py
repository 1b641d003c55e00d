"""A NATS cluster loses a node and nothing else (issue 16, Deliver 3).

Three nats-server processes form a JetStream cluster on loopback; the system's stream has
three replicas; the five services are pointed at all three URLs. Calls are offered at a
steady rate, the stream leader is SIGKILLed mid-flow and restarted later. Every call
reaches the board exactly once (and is stored once in the stream), and the test prints
the longest gap in board arrivals, which is the failover as a supervisor would see it.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import time
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.api import StorageType, StreamConfig

from tools.launcher import SERVICES, ServiceProcess, _wait_for_port, free_port, nats_server_binary

from ..helpers import eventually, token

pytestmark = pytest.mark.e2e

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")
RATE = 10  # calls offered per second
BEFORE_KILL, DURING, AFTER_RESTART = 30, 40, 30


class Node:
    """One member of the cluster: its own client port, route port and store."""

    def __init__(self, name: str, store: Path) -> None:
        self.name, self.store = name, store
        self.port, self.cluster_port = free_port(), free_port()
        self.routes: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> Node:
        self.store.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-n", self.name,
             "-js", "-sd", str(self.store), "--cluster_name", "aftersales-test",
             "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
             "--routes", ",".join(self.routes)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        _wait_for_port(self.port, self.proc, timeout=15)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: the machine is gone, no goodbye to the cluster
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def cluster(tmp: Path) -> list[Node]:
    nodes = [Node(f"n{i}", tmp / f"n{i}") for i in (1, 2, 3)]
    for node in nodes:
        node.routes = [f"nats://127.0.0.1:{o.cluster_port}" for o in nodes if o is not node]
    return nodes


async def test_stream_leader_killed_loses_and_duplicates_nothing(ns, tmp_path: Path):
    nodes = cluster(tmp_path / "nats")
    for node in nodes:
        node.start()
    urls = ",".join(n.url for n in nodes)
    stream = ns.env()["AFTERSALES_STREAM_NAME"]
    prefix = ns.env()["AFTERSALES_SUBJECT_PREFIX"]
    env = {**ns.env(), "AFTERSALES_NATS_URL": urls, "AFTERSALES_STREAM_REPLICAS": "3"}
    procs = [ServiceProcess(name, env=env, port=free_port(), log_dir=tmp_path / "logs")
             for name in SERVICES]
    intake, dispatch = procs[0], procs[1]
    nc = await nats.connect(urls.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    js = nc.jetstream(timeout=2)
    try:
        # The stream with three replicas, once the cluster has elected its meta leader.
        async def stream_created() -> bool:
            try:
                await js.add_stream(StreamConfig(
                    name=stream, subjects=[f"{prefix}.>"], storage=StorageType.FILE,
                    duplicate_window=2 * 24 * 3600, num_replicas=3))
                return True
            except Exception:
                return False

        await eventually(stream_created, within=30, interval=0.2)
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
            arrived: dict[str, float] = {}  # voucher -> when the board first showed it
            seen_twice: list[str] = []

            async def offer(n: int) -> None:
                """``n`` calls at RATE per second (the pace of a busy call desk)."""
                start = time.monotonic()
                for i in range(n):
                    r = await http.post(f"{intake.url}/calls", headers=CLERK, json=body)
                    assert r.status_code == 201, r.text
                    posted.append(r.json()["voucher_no"])
                    await asyncio.sleep(max(0.0, start + (i + 1) / RATE - time.monotonic()))

            async def look() -> list[str]:
                r = await http.get(f"{dispatch.url}/board", params={"branch": "SC01"},
                                   headers=SUPERVISOR)
                lines = [v["voucher_no"] for v in r.json()] if r.status_code == 200 else []
                now = time.monotonic()
                if len(lines) != len(set(lines)):
                    seen_twice.extend(v for v in set(lines) if lines.count(v) > 1)
                for v in lines:
                    arrived.setdefault(v, now)
                return lines

            async def board_has(vouchers: list[str]) -> bool:
                lines = set(await look())
                return all(v in lines for v in vouchers)

            watching = True

            async def watch() -> None:  # the supervisor's screen, refreshed continuously
                while watching:
                    await look()
                    await asyncio.sleep(0.05)

            watcher = asyncio.create_task(watch())
            await offer(BEFORE_KILL)

            info = await js.stream_info(stream)
            leader = next(n for n in nodes if n.name == info.cluster.leader)
            killed_at = time.monotonic()
            leader.kill()
            offering = asyncio.create_task(offer(DURING))
            # Failover is over once a call offered after the kill is on the board.
            async def failed_over() -> bool:
                return len(posted) > BEFORE_KILL and await board_has(
                    posted[BEFORE_KILL:BEFORE_KILL + 1])

            await eventually(failed_over, within=60, interval=0.1)
            recovered_at = time.monotonic()
            await offering
            leader.start()  # same name, port and store: it catches up as a follower
            await offer(AFTER_RESTART)

            total = BEFORE_KILL + DURING + AFTER_RESTART
            await eventually(lambda: board_has(posted), within=90, interval=0.1)
            watching = False
            await watcher

            lines = await look()
            assert len(posted) == total
            assert sorted(lines) == sorted(posted)  # every call, once
            assert not seen_twice
            # ... and stored once in the stream: a retried publish was de-duplicated.
            registered = f"{prefix}.intake.call.registered.v1"
            info = await js.stream_info(stream, subjects_filter=registered)
            assert (info.state.subjects or {}).get(registered) == total

            times = sorted(arrived[v] for v in posted)
            gaps = [b - a for a, b in itertools.pairwise(times)]
            longest = max(gaps)
            print(f"\nNATS failover: stream leader {leader.name} SIGKILLed; longest gap in "
                  f"board arrivals {longest:.2f} s (calls offered every {1 / RATE:.2f} s); "
                  f"first post-kill call on the board {recovered_at - killed_at:.2f} s "
                  "after the kill")
    finally:
        await nc.close()
        for p in procs:
            p.stop()
        for node in nodes:
            node.stop()
