"""Support for billing's tests: the running app with its bus, and the events other
services would publish.

Input events are published straight onto the test namespace's stream (what intake,
dispatch and complaints would publish), with ``Nats-Msg-Id`` like the outbox relay does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from shared.clock import FixedClock
from shared.events.base import Event, subject_for
from shared.events.dispatch import PartUsed, VoucherCompleted

E = TypeVar("E", bound=Event)

# Monday 16 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


@dataclass
class Billing:
    """The running billing app, its client, clock and a connection to the stream."""

    app: FastAPI
    client: httpx.AsyncClient
    clock: FixedClock
    nc: Any
    prefix: str
    stream: str

    @property
    def rt(self) -> Any:
        return self.app.state.runtime

    async def publish(self, event: Event) -> None:
        """Publish an input event as its publisher's outbox relay would."""
        await self.nc.jetstream().publish(
            subject_for(self.prefix, event.event_type), event.to_bytes(),
            stream=self.stream, headers={"Nats-Msg-Id": event.event_id},
        )

    async def last(self, event_cls: type[E]) -> E | None:
        """The last event of a type billing published, or None yet."""
        try:
            msg = await self.nc.jetstream().get_last_msg(
                self.stream, subject_for(self.prefix, event_cls.event_type))
        except NotFoundError:
            return None
        return event_cls.model_validate_json(msg.data)

    async def drained(self, consumer: str) -> bool:
        """Whether billing's durable ``consumer`` has acknowledged everything published."""
        info = await self.nc.jetstream().consumer_info(self.stream, f"billing-{consumer}")
        return info.num_pending == 0 and info.num_ack_pending == 0

    async def all(self, event_cls: type[E]) -> list[E]:
        """Every event of a type on the stream, oldest first."""
        js = self.nc.jetstream()
        sub = await js.pull_subscribe(subject_for(self.prefix, event_cls.event_type),
                                      stream=self.stream)
        found: list[E] = []
        try:
            while True:
                try:
                    msgs = await sub.fetch(100, timeout=0.5)
                except TimeoutError:
                    break
                found += [event_cls.model_validate_json(m.data) for m in msgs]
        finally:
            await sub.unsubscribe()
        return found


def completed(voucher_no: str, *, category: str = "A", mode: str = "on_site",
              minutes: int = 60, parts: tuple[tuple[str, int, str], ...] = (),
              at: datetime = datetime(2026, 3, 16, 7, 30, tzinfo=UTC),
              branch: str = "SC01") -> VoucherCompleted:
    """A voucher completed by T01 (what dispatch publishes, SPEC S9/S12)."""
    return VoucherCompleted(
        voucher_no=voucher_no, call_id=abs(hash(voucher_no)) % 100000, branch=branch,
        category=category, technician_id="T01", service_mode=mode, labour_minutes=minutes,
        parts=[PartUsed(part_no=p, quantity=q, unit_price=u) for p, q, u in parts],
        signed_by="Wu Mei", completed_at=at,
    )
