"""Transactional outbox and its relay.

Invariant: an event is written to ``outbox`` in the same transaction as the state change
it describes, so a crash can never keep one without the other. The relay publishes rows
in order with ``Nats-Msg-Id = event_id``; if it dies after publishing but before marking
the row sent, the re-publish falls inside the stream's duplicate window and JetStream
drops it. Consumers are idempotent as well (inbox), so nothing is applied twice.

The relay is woken right after each commit that added rows (no poll latency) and also
polls every ``poll_seconds`` to pick up rows left by a crashed process.

A publish can fail: nats-py does not retry one, and while a stream's leader is being
elected (a cluster node lost) JetStream answers nothing for a few seconds. The relay then
keeps the rows sent so far as sent, leaves the failed row and everything after it in the
outbox, and tries again with a capped exponential back-off. A publish that timed out may
still have been stored; its retry carries the same ``Nats-Msg-Id`` and is dropped as a
duplicate, so a failover neither loses nor duplicates an event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from . import tracing
from .clock import Clock
from .db import Database, after_commit
from .events.base import Event
from .loops import WakeableLoop

log = logging.getLogger("aftersales.outbox")

Publish = Callable[[str, bytes, str], Awaitable[None]]


class Outbox(WakeableLoop):
    """Writes events beside the state change, and relays them to NATS after commit."""

    def __init__(
        self,
        *,
        db: Database,
        table: Table,
        clock: Clock,
        publish: Publish,
        poll_seconds: float = 1.0,
        paused: bool = False,
        batch_size: int = 200,
    ) -> None:
        self._db = db
        self._table = table
        self._insert = insert(table)
        self._clock = clock
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self.paused = paused
        super().__init__("outbox-relay")

    async def add(self, session: AsyncSession, event: Event) -> None:
        """Record ``event`` in the caller's transaction."""
        await session.execute(self._insert, {  # built once; the values are parameters
            "event_id": event.event_id, "event_type": event.event_type,
            "payload": event.model_dump_json(), "created_at": self._clock.now(),
            # the writing request's trace context, so the relay (maybe in another
            # replica, or after a restart) publishes as its child (shared.tracing)
            "traceparent": tracing.current_traceparent(),
        })
        after_commit(session, self.wake)

    async def run_loop(self) -> None:
        failures = 0
        while not self._stopping:
            if failures:
                # not woken early by new rows: NATS is what we wait for. Capped, so the
                # relay resumes at most one step (1 s) after an election ends.
                await asyncio.sleep(backoff(failures))
            else:
                await self.wait(self._poll_seconds)
            self.take_wake()
            if self.paused or self._stopping:
                continue
            try:
                await self.flush()
                failures = 0
            except Exception as exc:
                failures += 1
                # expected while NATS elects a leader: a warning, the traceback only later
                log.log(logging.WARNING if failures < 10 else logging.ERROR,
                        "outbox relay: publish failed (attempt %d), retrying: %r",
                        failures, exc, exc_info=failures >= 10)

    async def flush(self) -> int:
        """Publish every pending row, oldest first; returns how many were sent."""
        sent = 0
        while True:
            async with self._db.transaction() as session:
                query = (
                    select(self._table.c.seq, self._table.c.event_id,
                           self._table.c.event_type, self._table.c.payload,
                           self._table.c.traceparent)
                    .where(self._table.c.published_at.is_(None))
                    .order_by(self._table.c.seq)
                    .limit(self._batch_size)
                )
                if not self._db.is_sqlite:
                    # Several replicas of a service may relay; rows are taken once each.
                    query = query.with_for_update(skip_locked=True)
                rows = (await session.execute(query)).all()
                if not rows:
                    return sent
                done: list[int] = []
                failure: Exception | None = None
                for row in rows:
                    try:
                        with tracing.attached(row.traceparent):
                            await self._publish(row.event_type, row.payload.encode(),
                                                row.event_id)
                    except Exception as exc:  # keep what went out; retry the rest later
                        failure = exc
                        break
                    done.append(row.seq)
                if done:
                    await session.execute(
                        update(self._table)
                        .where(self._table.c.seq.in_(done))
                        .values(published_at=self._clock.now())
                    )
                sent += len(done)
            if failure is not None:  # raised after the commit of the rows sent
                raise failure
            if len(rows) < self._batch_size:  # that was all of it: no need to look again
                return sent

    async def pending(self) -> int:
        """How many events wait to be published."""
        from sqlalchemy import func

        async with self._db.reading() as session:
            return int(
                await session.scalar(
                    select(func.count()).where(self._table.c.published_at.is_(None))
                ) or 0
            )


def backoff(failures: int) -> float:
    """Seconds before the relay's next attempt after ``failures`` failed ones in a row:
    0.1, 0.2, 0.4, 0.8, then every 1 s, so a publish resumes soon after an election ends
    (an election after a node is lost takes seconds; a longer cap only adds to the gap)."""
    return min(0.05 * 2 ** min(failures, 10), 1.0)
