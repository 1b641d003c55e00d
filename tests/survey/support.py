"""Helpers for survey's tests: the input events; for the fast service-layer tests a fake
context on an in-memory database (``fast_survey``); for the integration tests the app
on a fixed clock, input events published straight onto the namespace's stream, output
events read back from it, on either engine (``tests.infra.ENGINES``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
from nats.js import JetStreamContext
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.survey.app import create_app
from services.survey.models import Base, plumbing
from shared.clock import FixedClock
from shared.context import Context
from shared.db import Database
from shared.events.base import Event
from shared.events.dispatch import VoucherAssigned, VoucherCompleted
from shared.events.intake import CallCancelled, CallRegistered
from shared.runtime import Runtime
from shared.testing import RecordingOutbox, fake_context, memory_database
from tests.helpers import eventually, running, token

DEPT = token("service_dept", "D01", None)
FORM = "application/x-www-form-urlencoded"




async def count_audit(session: AsyncSession, action: str) -> int:
    """How many audit entries survey wrote for ``action``."""
    table = plumbing.audit_log
    return int(await session.scalar(
        select(func.count()).select_from(table).where(table.c.action == action)) or 0)


async def count_outbox(session: AsyncSession, event_cls: type[Event]) -> int:
    """How many ``event_cls`` events survey's outbox holds."""
    table = plumbing.outbox
    return int(await session.scalar(
        select(func.count()).select_from(table)
        .where(table.c.event_type == event_cls.event_type)) or 0)


@dataclass
class Fast:
    """Survey's service layer on fakes: a fixed clock, a recording outbox, SQLite in memory."""

    ctx: Context
    outbox: RecordingOutbox
    clock: FixedClock
    db: Database


@asynccontextmanager
async def fast_survey(*, now: datetime) -> AsyncIterator[Fast]:
    clock = FixedClock(now)
    ctx, outbox = fake_context(plumbing, clock=clock, service="survey")
    async with memory_database(Base.metadata) as db:
        yield Fast(ctx=ctx, outbox=outbox, clock=clock, db=db)


@dataclass
class Survey:
    client: httpx.AsyncClient
    rt: Runtime
    clock: FixedClock
    js: JetStreamContext
    tag: str

    async def publish(self, event: Event) -> None:
        """Put an input event on the stream as its publisher's relay would."""
        await self.js.publish(
            f"{self.tag}.{event.event_type}", event.to_bytes(),
            stream=self.tag.upper(), headers={"Nats-Msg-Id": event.event_id},
        )

    async def published(self, event_cls: type[Event]) -> list[dict[str, Any]]:
        """Every message of ``event_cls`` on the stream so far."""
        sub = await self.js.subscribe(f"{self.tag}.{event_cls.event_type}",
                                      stream=self.tag.upper(), ordered_consumer=True)
        found: list[dict[str, Any]] = []
        try:
            while True:
                msg = await sub.next_msg(timeout=0.3)
                found.append(event_cls.model_validate_json(msg.data).model_dump(mode="json"))
        except (TimeoutError, nats.errors.TimeoutError):
            return found
        finally:
            await sub.unsubscribe()

    async def send_cards_at(self, at: datetime) -> None:
        """Move the clock to ``at`` and let the morning sender fire (SPEC Q24)."""
        self.clock.advance(at - self.clock.now())
        await self.rt.watchers["send-cards"].tick()

    async def card(self, card_id: int) -> dict[str, Any]:
        r = await self.client.get(f"/survey-cards/{card_id}", headers=DEPT)
        assert r.status_code == 200, r.text
        return r.json()

    async def cards(self, day: str, branch: str = "SC01") -> list[dict[str, Any]]:
        r = await self.client.get("/survey-cards", params={"date": day, "branch": branch},
                                  headers=DEPT)
        assert r.status_code == 200, r.text
        return r.json()


@asynccontextmanager
async def survey_app(ns: Any, *, now: datetime, **settings: Any) -> AsyncIterator[Survey]:
    """The survey service on ``ns`` with a fixed clock, plus a JetStream client."""
    clock = FixedClock(now)
    app = create_app(ns.settings("survey", **settings), clock=clock)
    async with running(app) as client:
        nc = await nats.connect(ns.infra.nats_url)
        try:
            yield Survey(client=client, rt=app.state.runtime, clock=clock,
                         js=nc.jetstream(), tag=ns.tag)
        finally:
            await nc.close()


async def sent_cards(s: Survey, n: int) -> list[dict[str, Any]]:
    """``n`` calls of Friday 13 March served by T01, their cards sent Saturday morning."""
    for call in range(1, n + 1):
        await s.publish(registered(call, f"2026-03-13T1{call}:00:00+08:00"))
        await s.publish(assigned(call, "T01", f"2026-03-13T1{call}:05:00+08:00"))
        await s.publish(completed(call, "T01", f"2026-03-13T1{call}:50:00+08:00"))

    async def ready() -> list[dict[str, Any]] | None:
        cards = await s.cards("2026-03-13")
        return cards if len(cards) == n and all(c["technician_id"] for c in cards) else None

    cards = await eventually(ready)
    await s.send_cards_at(datetime.fromisoformat("2026-03-14T09:00:00+08:00"))
    return [await s.card(c["id"]) for c in cards]


def registered(call_id: int, received_at: str, *, branch: str = "SC01",
               customer: str = "Wu Mei") -> CallRegistered:
    at = datetime.fromisoformat(received_at)
    return CallRegistered(
        call_id=call_id, voucher_no=voucher(call_id), branch=branch, customer_id=call_id,
        customer_name=customer, district="Xuhui", product_id=call_id, model="TV-55Q",
        serial=f"SN{call_id}", symptom="no picture", category="C", sla_class="urban",
        received_at=at, arrival_due_at=at, registered_by="C01",
    )


def voucher(call_id: int) -> str:
    return f"V{call_id:06d}"


def assigned(call_id: int, technician: str, at: str) -> VoucherAssigned:
    return VoucherAssigned(
        voucher_no=voucher(call_id), call_id=call_id, branch="SC01", technician_id=technician,
        assigned_by="S01", occurred_at=datetime.fromisoformat(at),
    )


def completed(call_id: int, technician: str, at: str) -> VoucherCompleted:
    when = datetime.fromisoformat(at)
    return VoucherCompleted(
        voucher_no=voucher(call_id), call_id=call_id, branch="SC01", category="C",
        technician_id=technician, service_mode="on_site", labour_minutes=30, parts=[],
        signed_by="Wu Mei", completed_at=when, occurred_at=when,
    )


def cancelled(call_id: int) -> CallCancelled:
    return CallCancelled(call_id=call_id, voucher_no=voucher(call_id), branch="SC01",
                         reason="customer fixed it", cancelled_by="C01",
                         occurred_at=datetime.now(UTC))

