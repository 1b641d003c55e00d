"""Helpers for tests: tokens, in-process apps, polling for eventual outcomes, and the
test's private stream (read it, publish onto it as another service would)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import nats
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from shared.auth import issue_token
from shared.events.base import Event, subject_for

# The suite runs the services outside embedded mode (its own databases and streams), so
# they need a real secret: one per test session, never the public development one.
TEST_JWT_SECRET = "test-" + secrets.token_urlsafe(32)


def token(role: str, user: str | None = None, branch: str | None = "SC01") -> dict[str, str]:
    """Authorization header for a role."""
    signed = issue_token(TEST_JWT_SECRET, role=role, user=user, branch=branch)
    return {"Authorization": f"Bearer {signed}"}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An app with its lifespan started, and a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, within: float = 20.0, interval: float = 0.05
) -> Any:
    """Poll ``probe`` until it returns something truthy; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: Any = None
    while loop.time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s; last value: {last!r}")


class Stream:
    """The events in the test's private stream, as billing and survey would read them."""

    def __init__(self, ns: Any, nc: Any) -> None:
        self._ns = ns
        self._js = nc.jetstream()

    async def events(self, *types: str) -> list[dict[str, Any]]:
        """Every event so far (optionally of some types), oldest first, with its ``type``."""
        name = self._ns.tag.upper()
        try:
            info = await self._js.stream_info(name)
        except NotFoundError:
            return []
        found: list[dict[str, Any]] = []
        if not info.state.messages:
            return found
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self._js.get_msg(name, seq)
            kind = msg.subject.removeprefix(f"{self._ns.tag}.")
            if not types or kind in types:
                found.append({"type": kind, **json.loads(msg.data)})
        return found

    async def wait_for(self, kind: str, count: int = 1, **match: Any) -> list[dict[str, Any]]:
        """Poll until ``count`` events of ``kind`` whose fields equal ``match`` are in."""

        async def probe() -> list[dict[str, Any]] | None:
            hits = [e for e in await self.events(kind)
                    if all(e.get(k) == v for k, v in match.items())]
            return hits if len(hits) >= count else None

        return await eventually(probe)


@asynccontextmanager
async def stream_of(ns: Any) -> AsyncIterator[Stream]:
    nc = await nats.connect(ns.infra.nats_url)
    try:
        yield Stream(ns, nc)
    finally:
        await nc.close()


async def inject(app: FastAPI, event: Event) -> None:
    """Publish ``event`` on the test's stream as its real publisher would (outbox relay)."""
    rt = app.state.runtime
    await rt.publish_raw(subject_for(rt.settings.subject_prefix, event.event_type),
                         event.to_bytes(), msg_id=event.event_id)


def pdf_text(document: bytes, *, layout: bool = False) -> str:
    """The text poppler's ``pdftotext`` reads back from a printed paper (CONTRACT
    "Console": text extractable); ``layout`` keeps each table row on one line."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=document, capture_output=True,
                          check=True).stdout.decode()


def layout_text(document: bytes) -> str:
    """:func:`pdf_text` with the layout kept (a label and its value on one line)."""
    return pdf_text(document, layout=True)



async def list_pages(client: httpx.AsyncClient, url: str, *, headers: dict[str, str],
                     params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The pages of a JSON list (CONTRACT "Lists"), following ``Link: rel="next"`` to the
    end: each page at most ``params["limit"]`` rows, only a full page pointing at a next."""
    limit = int(params["limit"])
    r = await client.get(url, params=params, headers=headers)
    pages: list[list[dict[str, Any]]] = []
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        assert isinstance(body, list) and len(body) <= limit, body
        pages.append(body)
        link = r.headers.get("link")
        if link is None:
            return pages
        found = re.fullmatch(r'<(/[^>]*)>; rel="next"', link)
        assert found is not None, link
        assert len(body) == limit, "only a full page points at a next one"
        assert len(pages) < 200, "the Link headers never end"
        r = await client.get(found.group(1), headers=headers)
