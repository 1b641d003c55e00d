"""Benchmark of the server, not the client (issue 17): ``make bench``.

In one run, on one machine:
1. bare — a bare FastAPI endpoint (same body model, same uvicorn settings as the
   services: uvloop, httptools, no access log) driven by ``wrk``: its rate, p50/p99 and
   server CPU per request. It must reach 1,500 requests/s, or the generator (or the
   machine) is the bottleneck and the run says so.
2. system — the five services as processes (each with its own outbox relay inside).
   ``wrk`` POSTs ``/calls`` to intake with 16 connections (closed loop); once every
   consumer has applied the calls, the CPU each process used (from ``/proc``, minus what
   it burns idle) is divided by the calls: CPU per call per service and in total.
3. latency — calls offered at a fixed rate (default 200/s, open loop, bench/openloop.py):
   from the moment a call leaves the client to its voucher committed on dispatch's board
   (dispatch's ``created_at``; one machine, one clock), p50/p99; meanwhile, how busy the
   whole machine was (``/proc/stat``: the database and NATS count) and each service's CPU
   per call at that rate, where each call arrives alone and shares less than in the
   closed loop.
4. the ratio of intake's CPU per call to the bare endpoint's CPU per request, and each
   service's resident memory idle and after the load.
5. with ``--memory-calls 100000``: each service's memory before and after that many more
   calls (a soak of many minutes, so not part of ``make bench``).

NATS: ``NATS_URL`` if set, else a spawned nats-server. Database: ``DATABASE_URL`` if set
(PostgreSQL), else SQLite files (the embedded mode). Nothing here asserts a time.

    make bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres make bench
    .venv/bin/python bench/calls_throughput.py --seconds 10 --rate 200 --calls 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.openloop import post_at_rate
from bench.server import (
    WrkResult,
    busy_share,
    cpu_seconds,
    cpu_seconds_by_name,
    machine_ticks,
    pct,
    rss_mb,
    wrk_post,
)
from shared.auth import issue_token
from tools.launcher import SERVICES, NatsServer, ServiceProcess, free_port

BARE_TARGET_RPS = 1500  # issue 17: below this the generator, not the server, is measured
CONNECTIONS = 16
# The services run outside embedded mode here, so they get a real secret of the run's own.
BENCH_SECRET = secrets.token_urlsafe(32)
CALL_BODY_FIELDS = {"symptom": "bench: no picture"}
# The calls come from this many customers in turn (a real branch's callers are many; a
# consumer's batch keeps a customer's events in order, so one caller would be no batch).
CUSTOMERS = 500
# The servers a call also costs, by their processes' names on this machine (none counted
# when the database or NATS is elsewhere): at 200 calls/s they are a third of the CPU.
SERVERS = {"PostgreSQL": "postgres", "NATS": "nats-server"}


def _wait_port(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError(url)


def bare(seconds: float) -> tuple[WrkResult, float]:
    """wrk against the bare endpoint: its result and the server's CPU ms per request."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_app.py")),
                             str(port)])
    try:
        _wait_port(f"http://127.0.0.1:{port}/docs")
        body = json.dumps({"customer_id": 1, "product_id": 1, **CALL_BODY_FIELDS})
        wrk_post(f"http://127.0.0.1:{port}/calls", body=body, seconds=1)  # warm up
        before = cpu_seconds(proc.pid)
        result = wrk_post(f"http://127.0.0.1:{port}/calls", body=body, seconds=seconds,
                          connections=CONNECTIONS)
        used = cpu_seconds(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait()
    return result, used / max(1, result.requests) * 1e3


class System:
    """The five services as processes on one NATS and one database server (or SQLite)."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.procs = {name: ServiceProcess(name, env=env, port=free_port(),
                                           log_dir=tmp / "logs") for name in SERVICES}
        self.clerk = "Bearer " + issue_token(BENCH_SECRET, role="clerk", user="C01",
                                             branch="SC01")
        self._engines: dict[str, Any] = {}

    def start(self) -> None:
        for p in self.procs.values():
            p.start()
        for p in self.procs.values():
            p.wait_healthy(120)

    def stop(self) -> None:
        for p in self.procs.values():
            p.stop()

    def pid(self, name: str) -> int:
        proc = self.procs[name].proc
        assert proc is not None
        return proc.pid

    def cpu(self) -> dict[str, float]:
        return {n: cpu_seconds(self.pid(n)) for n in SERVICES}

    def rss(self) -> dict[str, float]:
        return {n: rss_mb(self.pid(n)) for n in SERVICES}

    async def rss_restarted(self, settle: float = 3) -> dict[str, float]:
        """Each service's idle memory after a restart on its migrated database: what a
        deployment runs (migrations applied before, by ``aftersales migrate`` or the first
        replica), so Alembic is not loaded."""
        for p in self.procs.values():
            p.stop()
            p.start()
        for p in self.procs.values():
            p.wait_healthy(120)
        await asyncio.sleep(settle)
        return self.rss()

    def url(self, service: str) -> str:
        from shared.settings import Settings

        return Settings(
            service=service, database_url=self.env.get("AFTERSALES_DATABASE_URL"),
            db_prefix=self.env["AFTERSALES_DB_PREFIX"],
            data_dir=Path(self.env["AFTERSALES_DATA_DIR"]),
        ).sqlalchemy_url()

    def engine(self, service: str) -> Any:
        from sqlalchemy.ext.asyncio import create_async_engine

        if service not in self._engines:
            self._engines[service] = create_async_engine(self.url(service), pool_size=1)
        return self._engines[service]

    async def scalar(self, service: str, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        async with self.engine(service).connect() as conn:
            return await conn.scalar(text(sql), params)

    async def applied(self) -> dict[str, int]:
        """Events applied so far by the consumers of intake's calls (their inbox rows)."""
        return {s: int(await self.scalar(s, "SELECT count(*) FROM inbox"))
                for s in ("dispatch", "billing", "survey")}

    async def drained(self, before: dict[str, int], calls: int, within: float = 60
                      ) -> list[str]:
        """Wait until each consumer applied ``calls`` more events (polled gently); the
        services that did not catch up within ``within`` seconds (their CPU per call is
        then not comparable, and the report says so)."""
        deadline = time.monotonic() + within
        lagging = list(before)
        while time.monotonic() < deadline:
            now = await self.applied()
            lagging = [s for s in before if now[s] - before[s] < calls]
            if not lagging:
                break
            await asyncio.sleep(0.25)
        return lagging

    async def dispose(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()

    def bodies(self, customers: int = CUSTOMERS) -> list[dict[str, Any]]:
        """A call's body for each of ``customers`` customers of one branch, each with a
        product on file: a branch's calls come from many customers, not one."""
        clerk = {"Authorization": self.clerk}
        url = self.procs["intake"].url
        bodies = []
        with httpx.Client(base_url=url, headers=clerk, timeout=30) as client:
            for n in range(customers):
                c = client.post("/customers", json={
                    "name": f"Bench {n}", "phone": f"139{n:08d}", "address": f"{n} Bench Road",
                    "district": "Xuhui", "branch": "SC01"})
                c.raise_for_status()
                p = client.post("/products", json={
                    "customer_id": c.json()["id"], "model": "TV", "serial": f"BENCH-{n}",
                    "purchased_on": "2026-01-01", "warranty_months": 12})
                p.raise_for_status()
                bodies.append({"customer_id": c.json()["id"], "product_id": p.json()["id"],
                               **CALL_BODY_FIELDS})
        return bodies


async def measure_system(system: System, *, seconds: float, rate: float, calls: int,
                         memory_calls: int = 0) -> dict[str, Any]:
    bodies = system.bodies()
    intake = system.procs["intake"].url + "/calls"
    payload = "\n".join(json.dumps(body) for body in bodies)  # wrk sends them in turn
    # Warm up (imports, prepared statements, pools), and let it drain.
    before = await system.applied()
    warm = await asyncio.to_thread(wrk_post, intake, body=payload, auth=system.clerk,
                                   seconds=1, connections=CONNECTIONS)
    await system.drained(before, warm.requests - warm.non2xx, within=20)
    rss_idle = system.rss()
    # What each process burns doing nothing (fetch loops, watchers), to subtract.
    idle0, t0 = system.cpu(), time.monotonic()
    await asyncio.sleep(3)
    idle_rate = {n: (c - idle0[n]) / (time.monotonic() - t0) for n, c in system.cpu().items()}

    before = await system.applied()
    cpu0, t0 = system.cpu(), time.monotonic()
    load = await asyncio.to_thread(wrk_post, intake, body=payload, auth=system.clerk,
                                   seconds=seconds, connections=CONNECTIONS)
    done = load.requests - load.non2xx
    lagging = await system.drained(before, done)
    elapsed = time.monotonic() - t0
    cpu1 = system.cpu()
    per_call = {n: max(0.0, cpu1[n] - cpu0[n] - idle_rate[n] * elapsed) / max(1, done) * 1e3
                for n in SERVICES}
    rss_after = system.rss()

    # Open loop at the offered rate: send time → voucher committed on dispatch's board.
    # Also what the calls cost at that rate (each arrives alone, so less is shared than in
    # the closed loop) and how busy the whole machine was: database and NATS included.
    before = await system.applied()
    cpu0, ticks0, servers0 = system.cpu(), machine_ticks(), cpu_seconds_by_name(SERVERS)
    sent = await post_at_rate(intake, bodies=bodies, headers={"Authorization": system.clerk},
                              rate=rate, count=calls)
    ok = [s for s in sent if s.status == 201]
    await system.drained(before, len(ok))
    ticks1, cpu1, servers1 = machine_ticks(), system.cpu(), cpu_seconds_by_name(SERVERS)
    open_loop = {n: (cpu1[n] - cpu0[n]) / max(1, len(ok)) * 1e3 for n in SERVICES}
    servers = {n: (servers1[n] - servers0[n]) / max(1, len(ok)) * 1e3 for n in SERVERS}
    busy = busy_share(ticks0, ticks1)
    before_board = time.monotonic()
    while time.monotonic() - before_board < 120:
        numbers = [s.body["voucher_no"] for s in ok]
        found = await _board_times(system, numbers)
        if len(found) == len(numbers):
            break
        await asyncio.sleep(0.25)
    board_latency = [found[s.body["voucher_no"]] - s.sent_at for s in ok
                     if s.body["voucher_no"] in found]
    soak = await _soak(system, intake, payload, memory_calls) if memory_calls else None
    rss_restarted = await system.rss_restarted()
    return {"load": load, "per_call": per_call, "idle_rate": idle_rate, "rss_idle": rss_idle,
            "rss_after": rss_after, "rss_restarted": rss_restarted, "lagging": lagging,
            "sent": len(sent), "ok": len(ok), "soak": soak, "open_loop": open_loop,
            "busy": busy, "servers": servers,
            "post": [s.seconds for s in ok], "board": board_latency}


async def _soak(system: System, intake: str, payload: str, calls: int) -> dict[str, Any]:
    """Memory after ``calls`` more calls (issue 17: no growth beyond 20%): each service's
    RSS once drained and idle, before and after, wrk running a minute at a time until
    that many calls were accepted and applied."""
    await asyncio.sleep(3)
    before_rss = system.rss()
    accepted = 0
    while accepted < calls:
        applied = await system.applied()
        chunk = await asyncio.to_thread(wrk_post, intake, body=payload, auth=system.clerk,
                                        seconds=60, connections=CONNECTIONS)
        done = chunk.requests - chunk.non2xx
        await system.drained(applied, done, within=300)
        accepted += done
    await asyncio.sleep(3)
    return {"calls": accepted, "before": before_rss, "after": system.rss()}


async def _board_times(system: System, numbers: list[str]) -> dict[str, float]:
    from sqlalchemy import select

    from services.dispatch.models import Voucher

    async with system.engine("dispatch").connect() as conn:
        rows = (await conn.execute(select(Voucher.voucher_no, Voucher.created_at)
                                   .where(Voucher.voucher_no.in_(numbers)))).all()
    return {no: created.timestamp() for no, created in rows}


def report(*, db: str, bare_result: WrkResult, bare_cpu: float, sysr: dict[str, Any],
           rate: float) -> None:
    load: WrkResult = sysr["load"]
    per_call: dict[str, float] = sysr["per_call"]
    ms = 1e3
    print(f"\n== aftersales bench: {db}, wrk -c{CONNECTIONS}, offered {rate:.0f} calls/s ==")
    verdict = "ok" if bare_result.rate >= BARE_TARGET_RPS else (
        f"BELOW {BARE_TARGET_RPS}: the generator or a busy machine limits this run")
    print(f"bare FastAPI POST (wrk): {bare_result.rate:,.0f} req/s [{verdict}], "
          f"p50 {bare_result.p50_ms:.2f} ms, p99 {bare_result.p99_ms:.2f} ms, "
          f"server CPU {bare_cpu:.3f} ms/request")
    print(f"intake POST /calls (wrk): {load.rate:,.0f} calls/s, p50 {load.p50_ms:.1f} ms, "
          f"p99 {load.p99_ms:.1f} ms, {load.requests} calls, {load.non2xx} non-2xx, "
          f"{load.socket_errors} socket errors")
    print(f"{'server CPU per call (incl. relay)':36}{'ms':>8}{'RSS idle MB':>13}"
          f"{'after MB':>10}{'restarted MB':>14}")
    for name in SERVICES:
        note = "  (its consumer did not catch up)" if name in sysr["lagging"] else ""
        print(f"  {name:34}{per_call[name]:>8.2f}{sysr['rss_idle'][name]:>13.0f}"
              f"{sysr['rss_after'][name]:>10.0f}{sysr['rss_restarted'][name]:>14.0f}{note}")
    print(f"  {'all five services':34}{sum(per_call.values()):>8.2f}")
    if sysr["soak"]:
        soak = sysr["soak"]
        print(f"memory after {soak['calls']:,} more calls (RSS MB, idle before → after):")
        for name in SERVICES:
            before, after = soak["before"][name], soak["after"][name]
            print(f"  {name:34}{before:>8.0f} → {after:.0f} ({(after / before - 1) * 100:+.0f}%)")
    print(f"ratio intake CPU/call ÷ bare CPU/request: {per_call['intake'] / bare_cpu:.1f}")
    board, post = sysr["board"], sysr["post"]
    print(f"call → voucher on the board at {rate:.0f}/s offered ({sysr['ok']}/{sysr['sent']} "
          f"accepted): p50 {pct(board, 0.5) * ms:.1f} ms, p99 {pct(board, 0.99) * ms:.1f} ms; "
          f"POST /calls answer p50 {pct(post, 0.5) * ms:.1f} ms, "
          f"p99 {pct(post, 0.99) * ms:.1f} ms")
    per = sysr["open_loop"]
    print(f"  meanwhile: machine busy {sysr['busy'] * 100:.0f}% of {os.cpu_count()} cores; "
          f"CPU per call at that rate: " + ", ".join(f"{n} {per[n]:.2f}" for n in SERVICES)
          + f" ms; all five {sum(per.values()):.2f} ms")
    servers = ", ".join(f"{name} {used:.2f} ms" for name, used in sysr["servers"].items()
                        if used > 0)
    if servers:
        print(f"  and this machine's servers' processes, CPU per call: {servers}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="closed-loop duration")
    parser.add_argument("--rate", type=float, default=200.0, help="offered calls per second")
    parser.add_argument("--calls", type=int, default=2000, help="calls at the offered rate")
    parser.add_argument("--memory-calls", type=int, default=0,
                        help="then this many more calls, to report memory growth (100000)")
    parser.add_argument("--bare-only", action="store_true", help="only the bare baseline")
    args = parser.parse_args()
    bare_result, bare_cpu = bare(args.seconds)
    if args.bare_only:
        print(f"bare FastAPI POST (wrk): {bare_result.rate:,.0f} req/s, "
              f"p50 {bare_result.p50_ms:.2f} ms, p99 {bare_result.p99_ms:.2f} ms, "
              f"server CPU {bare_cpu:.3f} ms/request")
        return
    tmp = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
    server = None
    url = os.environ.get("NATS_URL")
    if not url:
        server = NatsServer().start()
        url = server.url
    tag = "b" + uuid.uuid4().hex[:8]
    env = {"AFTERSALES_NATS_URL": url, "AFTERSALES_SUBJECT_PREFIX": tag,
           "AFTERSALES_STREAM_NAME": tag.upper(), "AFTERSALES_DB_PREFIX": tag,
           "AFTERSALES_DATA_DIR": str(tmp), "AFTERSALES_JWT_SECRET": BENCH_SECRET}
    if os.environ.get("DATABASE_URL"):
        env["AFTERSALES_DATABASE_URL"] = os.environ["DATABASE_URL"]
    system = System(env, tmp)
    try:
        system.start()
        sysr = await measure_system(system, seconds=args.seconds, rate=args.rate,
                                    calls=args.calls, memory_calls=args.memory_calls)
    finally:
        system.stop()
        await system.dispose()
        if server:
            server.stop()
        if os.environ.get("DATABASE_URL"):
            from shared.db import drop_database

            for s in SERVICES:
                await drop_database(system.url(s))
    db = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite (embedded)"
    report(db=db, bare_result=bare_result, bare_cpu=bare_cpu, sysr=sysr, rate=args.rate)


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
