"""Helpers for intake and dispatch integration tests: the test's stream, read and fed
directly, and a customer file to call from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from shared.events.base import Event, subject_for
from tests.helpers import eventually, token
from tests.infra import Namespace

CLERK = token("clerk", "C01")
SUPERVISOR = token("supervisor", "S01")
MANAGER = token("branch_manager", "M01")


def at(text: str) -> datetime:
    """An aware instant from ISO text, in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


class Stream:
    """The events in the test's private stream, as billing and survey would read them."""

    def __init__(self, ns: Namespace, nc: Any) -> None:
        self._ns = ns
        self._js = nc.jetstream()

    async def events(self, *types: str) -> list[dict[str, Any]]:
        """Every event so far (optionally of some types), oldest first, with its ``type``."""
        name = self._ns.tag.upper()
        try:
            info = await self._js.stream_info(name)
        except NotFoundError:
            return []
        found = []
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
async def stream_of(ns: Namespace) -> AsyncIterator[Stream]:
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


async def customer_with_product(
    intake: httpx.AsyncClient, *, phone: str = "13800000001", district: str = "Huangpu",
    purchased_on: str = "2020-01-01", warranty_months: int = 12, name: str = "Wu Mei",
) -> tuple[int, int]:
    """A customer file with one product; returns (customer_id, product_id)."""
    customer = await intake.post(
        "/customers", json={"name": name, "phone": phone, "address": "88 Huaihai Rd",
                            "district": district, "branch": "SC01"}, headers=CLERK)
    assert customer.status_code in (200, 201), customer.text
    product = await intake.post(
        "/products", json={"customer_id": customer.json()["id"], "model": "TV-55Q",
                           "serial": f"SN-{phone}", "purchased_on": purchased_on,
                           "warranty_months": warranty_months, "seller": "Store 7"},
        headers=CLERK)
    assert product.status_code == 201, product.text
    return customer.json()["id"], product.json()["id"]
