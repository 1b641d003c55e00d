"""What the benchmark measures on the server side: CPU time and memory from ``/proc``,
and load from ``wrk`` (a C load generator, so the client is never the bottleneck).

CPU per request is read from ``/proc/<pid>/stat`` (utime + stime) before and after the
load, so it stays right when the machine is busy with other work: a busy machine makes
runs slower, not each request more expensive.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
LUA = Path(__file__).with_name("post.lua")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[0] is the state (3rd field of stat); utime and stime are the 14th and 15th.
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_seconds_by_name(prefixes: dict[str, str]) -> dict[str, float]:
    """User + system CPU seconds used so far by this machine's processes whose name
    (``/proc/<pid>/comm``) starts with each prefix, summed under its label: e.g. every
    ``postgres`` backend and background process. A process that ends between two reads
    takes its CPU with it, so this is for servers whose processes stay (a pool's
    connections, nats-server)."""
    used = dict.fromkeys(prefixes, 0.0)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            name = (proc / "comm").read_text().strip()
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        for label, prefix in prefixes.items():
            if name.startswith(prefix):
                used[label] += (int(fields[11]) + int(fields[12])) / TICKS
    return used


def machine_ticks() -> tuple[int, int]:
    """All CPU ticks of the machine so far and the idle ones among them (``/proc/stat``)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # idle + iowait


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The machine's busy share of all its cores between two ``machine_ticks``."""
    total, idle = after[0] - before[0], after[1] - before[1]
    return 1 - idle / total if total else 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of the process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk not found: `apt-get install wrk` (make bench does it as root)")
    return found


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


_LINE = re.compile(r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) "
                   r"non2xx=(\d+) socket_errors=(\d+)")


def wrk_post(url: str, *, body: str, auth: str = "", seconds: float, connections: int = 16,
             threads: int = 1) -> WrkResult:
    """Closed loop: ``connections`` keep-alive connections POSTing ``body`` for ``seconds``
    (several JSON bodies, one per line, are sent in turn).

    One wrk thread is enough for a few thousand requests a second and leaves the second
    core to the server.
    """
    env = {**os.environ, "BENCH_BODY": body, "BENCH_AUTH": auth}
    out = subprocess.run(
        [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", str(LUA), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    match = _LINE.search(out)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    n, dur, p50, p99, bad, errs = (int(g) for g in match.groups())
    return WrkResult(n, dur / 1e6, p50 / 1e3, p99 / 1e3, bad, errs)


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
