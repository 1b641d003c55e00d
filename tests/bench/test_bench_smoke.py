"""The benchmark's own parts run (issue 17): wrk's summary is parsed, the open-loop client
gets answers, and /proc CPU is read. Nothing here times anything: `make bench` measures."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.openloop import post_at_rate
from bench.server import cpu_seconds, cpu_seconds_by_name, rss_mb
from tools.launcher import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_cpu_and_memory_of_a_process_are_read_from_proc() -> None:
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(3_000_000))  # burn some CPU so the counter must move
    assert cpu_seconds(os.getpid()) > before
    assert rss_mb(os.getpid()) > 10


def test_servers_cpu_is_summed_over_their_processes_by_name() -> None:
    """The database's and NATS's CPU a call comes from their processes, found by name: here
    this test's own process and whatever else shares its name."""
    own = Path("/proc/self/comm").read_text().strip()
    before = cpu_seconds_by_name({"us": own, "nobody": "no-such-process-name"})
    sum(i * i for i in range(3_000_000))
    after = cpu_seconds_by_name({"us": own, "nobody": "no-such-process-name"})
    assert after["us"] - before["us"] > 0
    assert after["us"] >= cpu_seconds(os.getpid())
    assert after["nobody"] == before["nobody"] == 0.0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (make bench does)")
def test_the_bare_baseline_runs_for_a_second_under_wrk() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "calls_throughput.py"), "--bare-only",
         "--seconds", "1"], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True,
    ).stdout
    assert "bare FastAPI POST (wrk):" in out and "server CPU" in out
    rate = float(out.split(":", 1)[1].split("req/s")[0].replace(",", ""))
    assert rate > 0


async def test_the_open_loop_client_posts_and_reads_every_answer() -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port))
    try:
        import httpx

        from tests.helpers import eventually

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"http://127.0.0.1:{port}/docs")).is_success
            except httpx.TransportError:
                return False

        await eventually(up)
        sent = await post_at_rate(f"http://127.0.0.1:{port}/calls",
                                  bodies=[{"customer_id": 1, "product_id": 2, "symptom": "x"},
                                          {"customer_id": 1, "product_id": 3, "symptom": "x"}],
                                  headers={}, rate=200, count=20, connections=4)
    finally:
        proc.terminate()
        await proc.wait()
    assert [s.status for s in sent] == [201] * 20
    # the bodies in turn: ten of each
    products = [s.body["product_id"] for s in sent]
    assert sorted(products) == [2] * 10 + [3] * 10
