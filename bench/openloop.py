"""An open-loop HTTP/1.1 load generator: POSTs at a fixed offered rate whatever the
server's answer time, over a pool of keep-alive connections.

wrk only runs closed loops (a new request when an answer came back), which hides
queueing; for "call → voucher on the board at 200 calls/s offered" each request must
leave at its scheduled time. The requests are pre-encoded bytes written to raw sockets,
so the generator costs tens of microseconds per request, not the milliseconds of a full
HTTP client.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Sent:
    """One request: when it left (wall clock, to compare with database timestamps), how
    long its answer took, and the answer's JSON."""

    sent_at: float
    seconds: float = 0.0
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)


async def post_at_rate(
    url: str, *, bodies: list[dict[str, Any]], headers: dict[str, str], rate: float,
    count: int, connections: int = 64,
) -> list[Sent]:
    """POST to ``url`` ``count`` times, one every ``1/rate`` s (open loop), the ``bodies``
    in turn."""
    parts = urlsplit(url)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    requests = []
    for body in bodies:
        payload = json.dumps(body).encode()
        requests.append((f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}"
                         "Content-Type: application/json\r\n"
                         f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload)
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    opened: list[_Connection] = []
    for _ in range(connections):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        conn = _Connection(reader, writer)
        opened.append(conn)
        idle.put_nowait(conn)
    results: list[Sent] = []

    async def one(request: bytes) -> None:
        sent = Sent(sent_at=time.time())
        started = time.perf_counter()
        conn = await idle.get()  # waiting here counts: it is queueing behind the server
        try:
            sent.status, raw = await conn.exchange(request)
        finally:
            idle.put_nowait(conn)
        sent.seconds = time.perf_counter() - started
        sent.body = json.loads(raw) if raw else {}
        results.append(sent)

    tasks = []
    start = time.perf_counter()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)])))
    await asyncio.gather(*tasks)
    for conn in opened:
        conn.writer.close()
    return results
