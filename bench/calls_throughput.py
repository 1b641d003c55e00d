"""Benchmark: repair calls through intake onto dispatch's board, against raw JetStream.

Runs in one process, on one machine, in one go:
1. baseline — raw JetStream: publish with ack → durable pull consumer, at the same offered
   rate, and a closed-loop publish rate;
2. system — intake and dispatch as processes: calls/s through ``POST /calls`` (closed
   loop, 16 clients) and the latency from ``POST /calls`` to the voucher on ``GET /board``
   at a steady offered rate.
It prints both and their ratios. NATS: ``NATS_URL`` if set, else a spawned nats-server;
database: ``DATABASE_URL`` if set (PostgreSQL), else SQLite files.

    make bench            # or: .venv/bin/python bench/calls_throughput.py --rate 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import nats
from nats.js.api import ConsumerConfig, StorageType, StreamConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.auth import issue_token
from tools.launcher import NatsServer, ServiceProcess, free_port


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def raw_jetstream(url: str, *, n: int, rate: float) -> dict[str, float]:
    """Publish→consume on a bare stream: closed-loop rate and latency at ``rate``/s."""
    tag = "bench" + uuid.uuid4().hex[:8]
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=tag.upper(), subjects=[f"{tag}.>"],
                                     storage=StorageType.FILE, duplicate_window=120))
    sub = await js.pull_subscribe(f"{tag}.x", durable="bench",
                                  config=ConsumerConfig(ack_wait=30))
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def consume(total: int) -> None:
        while len(latencies) < total:
            try:
                msgs = await sub.fetch(64, timeout=1)
            except TimeoutError:
                continue
            for m in msgs:
                latencies.append(time.perf_counter() - sent[m.headers["Nats-Msg-Id"]])
                await m.ack()

    # closed loop: how fast can one publisher get acks
    t0 = time.perf_counter()
    for _ in range(n):
        mid = uuid.uuid4().hex
        sent[mid] = time.perf_counter()
        await js.publish(f"{tag}.x", b"{}" * 200, headers={"Nats-Msg-Id": mid})
    closed_rate = n / (time.perf_counter() - t0)
    await consume(n)
    latencies.clear()
    # open loop at the offered rate
    consumer = asyncio.create_task(consume(n))
    start = time.perf_counter()
    for i in range(n):
        await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        mid = uuid.uuid4().hex
        sent[mid] = time.perf_counter()
        await js.publish(f"{tag}.x", b"{}" * 200, headers={"Nats-Msg-Id": mid})
    await consumer
    await js.delete_stream(tag.upper())
    await nc.close()
    return {"rate": closed_rate, "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99)}


async def bare_fastapi(*, n: int) -> float:
    """Closed-loop rate of a bare FastAPI endpoint under uvicorn, 16 clients."""
    import subprocess

    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_app.py")),
                             str(port)])
    try:
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=32)) as h:
            for _ in range(200):
                try:
                    await h.get(f"http://127.0.0.1:{port}/docs")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            body = {"customer_id": 1, "product_id": 1, "symptom": "bench"}

            async def client(k: int) -> None:
                for _ in range(k):
                    (await h.post(f"http://127.0.0.1:{port}/calls", json=body)
                     ).raise_for_status()

            t0 = time.perf_counter()
            await asyncio.gather(*(client(n // 16) for _ in range(16)))
            return (n // 16 * 16) / (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait()


# The services run outside embedded mode here, so they get a real secret of the run's own.
BENCH_SECRET = secrets.token_urlsafe(32)


async def system(env: dict[str, str], *, n: int, rate: float, tmp: Path) -> dict[str, float]:
    intake = ServiceProcess("intake", env=env, port=free_port(), log_dir=tmp / "logs")
    dispatch = ServiceProcess("dispatch", env=env, port=free_port(), log_dir=tmp / "logs")
    for p in (intake, dispatch):
        p.start()
    for p in (intake, dispatch):
        await asyncio.to_thread(p.wait_healthy, 90)
    clerk = {"Authorization": "Bearer " + issue_token(BENCH_SECRET, role="clerk",
                                                      user="C01", branch="SC01")}
    sup = {"Authorization": "Bearer " + issue_token(BENCH_SECRET, role="supervisor",
                                                    user="S01", branch="SC01")}
    try:
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=32)) as h:
            c = (await h.post(f"{intake.url}/customers", headers=clerk, json={
                "name": "Bench", "phone": "13900000000", "address": "x", "district": "Xuhui",
                "branch": "SC01"})).json()
            p = (await h.post(f"{intake.url}/products", headers=clerk, json={
                "customer_id": c["id"], "model": "TV", "serial": "S",
                "purchased_on": "2026-01-01", "warranty_months": 12})).json()
            body = {"customer_id": c["id"], "product_id": p["id"], "symptom": "bench"}

            # closed loop: 16 clients as fast as intake answers
            async def client(k: int) -> None:
                for _ in range(k):
                    (await h.post(f"{intake.url}/calls", headers=clerk, json=body)
                     ).raise_for_status()

            t0 = time.perf_counter()
            await asyncio.gather(*(client(n // 16) for _ in range(16)))
            closed_rate = (n // 16 * 16) / (time.perf_counter() - t0)

            async def board_size() -> int:
                r = await h.get(f"{dispatch.url}/board", params={"branch": "SC01"}, headers=sup)
                return len(r.json())

            base = 0
            while base < n // 16 * 16:  # let the closed-loop calls drain first
                base = await board_size()
                await asyncio.sleep(0.05)

            # open loop at the offered rate. The voucher's arrival on the board is read
            # afterwards from the two databases (intake's registered_at → dispatch's
            # created_at, one machine, one clock), so polling the board does not steal
            # the CPU being measured.
            post_latencies: list[float] = []
            vouchers: list[str] = []

            async def post_one() -> None:
                t = time.perf_counter()
                r = await h.post(f"{intake.url}/calls", headers=clerk, json=body)
                post_latencies.append(time.perf_counter() - t)
                vouchers.append(r.json()["voucher_no"])

            start = time.perf_counter()
            posts = []
            for i in range(n):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                posts.append(asyncio.create_task(post_one()))
            await asyncio.gather(*posts)
            while await board_size() < base + n:
                await asyncio.sleep(0.1)
            assert await board_size() == base + n
            latencies = await _board_latencies(env, vouchers)
    finally:
        intake.stop()
        dispatch.stop()
    return {"rate": closed_rate, "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99),
            "post_p50": pct(post_latencies, 0.5), "post_p99": pct(post_latencies, 0.99)}


async def _board_latencies(env: dict[str, str], vouchers: list[str]) -> list[float]:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.dispatch.models import Voucher
    from services.intake.models import Call
    from shared.settings import Settings

    def url(service: str) -> str:
        return Settings(
            service=service, database_url=env.get("AFTERSALES_DATABASE_URL"),
            db_prefix=env["AFTERSALES_DB_PREFIX"], data_dir=Path(env["AFTERSALES_DATA_DIR"]),
        ).sqlalchemy_url()

    wanted = set(vouchers)
    intake_db = create_async_engine(url("intake"))
    dispatch_db = create_async_engine(url("dispatch"))
    async with intake_db.connect() as a, dispatch_db.connect() as b:
        registered = dict((await a.execute(select(Call.voucher_no, Call.registered_at))).all())
        on_board = dict((await b.execute(select(Voucher.voucher_no, Voucher.created_at))).all())
    await intake_db.dispose()
    await dispatch_db.dispose()
    return [(on_board[v] - registered[v]).total_seconds() for v in wanted]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rate", type=float, default=50.0, help="offered calls per second")
    args = parser.parse_args()
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
    try:
        raw = await raw_jetstream(url, n=args.calls, rate=args.rate)
        bare = await bare_fastapi(n=args.calls)
        sysr = await system(env, n=args.calls, rate=args.rate, tmp=tmp)
    finally:
        if server:
            server.stop()
    db = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"\n{args.calls} messages/calls, offered rate {args.rate:.0f}/s, NATS {url}, {db}")
    print(f"{'':34}{'rate/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'raw JetStream publish→consume':34}{raw['rate']:>10.0f}"
          f"{raw['p50'] * 1e3:>10.1f}{raw['p99'] * 1e3:>10.1f}")
    print(f"{'bare FastAPI POST (uvicorn)':34}{bare:>10.0f}")
    print(f"{'POST /calls → voucher on board':34}{sysr['rate']:>10.0f}"
          f"{sysr['p50'] * 1e3:>10.1f}{sysr['p99'] * 1e3:>10.1f}")
    print(f"{'POST /calls response alone':34}{'':>10}"
          f"{sysr['post_p50'] * 1e3:>10.1f}{sysr['post_p99'] * 1e3:>10.1f}")
    print(f"ratio intake/bare FastAPI: rate {sysr['rate'] / bare:.3f}")
    print(f"ratio system/raw: rate {sysr['rate'] / raw['rate']:.3f}, "
          f"p50 latency x{sysr['p50'] / raw['p50']:.1f}, "
          f"p99 latency x{sysr['p99'] / raw['p99']:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
