"""Transactional outbox and its relay.

Invariant: an event is written to ``outbox`` in the same transaction as the state change
it describes, so a crash can never keep one without the other. The relay publishes rows
in order with ``Nats-Msg-Id = event_id``; if it dies after publishing but before marking
the row sent, the re-publish falls inside the stream's duplicate window and JetStream
drops it. Consumers are idempotent as well (inbox), so nothing is applied twice.

The rows a commit added are handed to the relay in memory, right after the commit: it
publishes them at once, in commit order, with no query to find them, and then marks them
sent with an UPDATE per batch of ids (issue 17: no SELECT … FOR UPDATE and its
transaction for rows the relay already holds). The marks wait a moment (``mark_seconds``,
or until a batch is full, and always before a scan): at a steady trickle of calls each
call's mark was a statement of its own, now a few a second cover them all. A mark lost to
a crash only has those rows published again, inside the stream's duplicate window. A
batch is published by a ``PublishBatch`` (shared.publisher): sent in order, its
acknowledgements awaited together.
Every ``poll_seconds`` it also scans the table, oldest first, for rows nobody handed it:
left by a crashed process, by another replica, or by a publish that failed. Caught up, a
scan takes only rows already there at the scan before, so it never chases the rows a
hand-off is publishing at that moment. At start, after a pause and after a failed publish
it scans before it publishes anything handed over, so no event of a process overtakes an
older one of that process. A row in the table is the truth; the hand-off is only a
shortcut. A row both handed over and found by a scan before it was marked is published
twice with one ``Nats-Msg-Id``, and JetStream keeps one.

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
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple

from sqlalchemy import ARRAY, String, Table, any_, bindparam, insert, select, update

from . import tracing
from .clock import Clock
from .db import Database, Unit, after_commit
from .events.base import Event
from .loops import WakeableLoop

log = logging.getLogger("aftersales.outbox")

_COMMITTED = "outbox_committed_rows"


class Message(NamedTuple):
    """An outbox row as the relay publishes it."""

    event_type: str
    payload: bytes
    event_id: str
    traceparent: str | None


class NotAllPublished(Exception):
    """Of a batch, the first ``sent`` messages were stored; the next one failed
    (``cause``). Later ones may be stored as well: they stay in the outbox, and their
    second publish carries the same ``Nats-Msg-Id``."""

    def __init__(self, sent: int, cause: BaseException) -> None:
        super().__init__(f"{sent} published, then {cause!r}")
        self.sent = sent
        self.cause = cause


# Publishes a batch in order; raises NotAllPublished when not all of it was stored.
PublishBatch = Callable[[Sequence[Message]], Awaitable[None]]

class Outbox(WakeableLoop):
    """Writes events beside the state change, and relays them to NATS after commit."""

    def __init__(
        self,
        *,
        db: Database,
        table: Table,
        clock: Clock,
        publish: PublishBatch,
        poll_seconds: float = 1.0,
        paused: bool = False,
        batch_size: int = 200,
        mark_seconds: float = 0.2,
    ) -> None:
        self._db = db
        self._table = table
        self._insert = insert(table)
        # PostgreSQL: ``= ANY($1)``, one statement for any count of ids, prepared once
        ids = (table.c.event_id.in_(bindparam("ids", expanding=True)) if db.is_sqlite else
               table.c.event_id == any_(bindparam("ids", type_=ARRAY(String))))
        self._mark = update(table).where(ids).values(published_at=bindparam("at"))
        self._handed: list[Message] = []  # committed, not yet published by this relay
        self._unmarked: list[str] = []  # published, not yet marked sent
        self._unmarked_since = 0.0  # when the oldest of them was published (monotonic)
        self._mark_seconds = mark_seconds
        self.scans = 0  # rounds that scanned the table (for diagnosis and tests)
        self._clock = clock
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self.paused = paused
        super().__init__("outbox-relay")

    async def add(self, session: Unit, event: Event) -> None:
        """Record ``event`` in the caller's transaction; once that commits, the relay
        gets the row in memory and publishes it."""
        payload = event.model_dump_json()
        # the writing request's trace context, so the relay (maybe in another replica, or
        # after a restart) publishes as its child (shared.tracing)
        traceparent = tracing.current_traceparent()
        await session.execute(self._insert, {  # built once; the values are parameters
            "event_id": event.event_id, "event_type": event.event_type,
            "payload": payload, "created_at": self._clock.now(), "traceparent": traceparent,
        })
        rows: list[Message] | None = session.info.get(_COMMITTED)
        if rows is None:
            rows = session.info[_COMMITTED] = []
            after_commit(session, lambda: self._hand_over(rows))
        rows.append(Message(event.event_type, payload.encode(), event.event_id, traceparent))

    def _hand_over(self, rows: list[Message]) -> None:
        self._handed.extend(rows)
        self.wake()

    async def run_loop(self) -> None:
        failures = 0
        scanned = -float("inf")
        horizon: int | None = None  # the table's last row at the scan before
        first = True
        while not self._stopping:
            if failures:
                # not woken early by new rows: NATS is what we wait for. Capped, so the
                # relay resumes at most one step (1 s) after an election ends.
                await asyncio.sleep(backoff(failures))
            elif not first:  # the first round goes at once: rows left before a restart
                await self.wait(max(0.0, min(self._poll_seconds, self._marks_due_in())))
            first = False
            self.take_wake()
            # Behind: at start, after a pause or a failed publish, the table may hold rows
            # older than any handed over. The scan goes first and alone (the handed rows are
            # in the table too), so no event overtakes an older one of this process.
            behind = failures > 0 or scanned == -float("inf")
            if self.paused or self._stopping or behind:
                self._handed.clear()
            if self.paused or self._stopping:
                scanned = -float("inf")  # once resumed, scan for what came meanwhile
                await self._mark_quietly()
                continue
            try:
                if not behind and self._handed:
                    await self.relay_handed()
                if self._marks_due_in() <= 0:
                    await self.mark_published()
                if behind or time.monotonic() - scanned >= self._poll_seconds:
                    await self.mark_published()  # or the scan takes them for unsent
                    # Caught up, a scan takes only rows that were there at the scan before
                    # and are still not sent: not those a hand-off is publishing right
                    # now, which it would publish a second time and chase under load.
                    latest = await self._last_seq()
                    await self.flush(up_to=None if behind else horizon)
                    horizon = latest
                    scanned = time.monotonic()
                    self.scans += 1
                failures = 0
            except Exception as exc:
                failures += 1
                # expected while NATS elects a leader: a warning, the traceback only later
                log.log(logging.WARNING if failures < 10 else logging.ERROR,
                        "outbox relay: publish failed (attempt %d), retrying: %r",
                        failures, exc, exc_info=failures >= 10)
        await self._mark_quietly()

    def _marks_due_in(self) -> float:
        """Seconds until the marks of the rows published and not marked yet are due."""
        if not self._unmarked:
            return float("inf")
        return self._unmarked_since + self._mark_seconds - time.monotonic()

    async def _mark_quietly(self) -> None:
        """Mark what was published before a pause or stop; if the database is gone, the
        rows are published again later, and the duplicate window drops the copies."""
        waiting = len(self._unmarked)
        try:
            await self.mark_published()
        except Exception as exc:  # mark_published has let go of them already
            log.warning("outbox relay: could not mark %d sent: %r", waiting, exc)

    async def relay_handed(self) -> int:
        """Publish the rows handed over by commits, in commit order; those that went out
        are marked sent by ``mark_published`` (at once when a batch is full or a publish
        failed). A failed publish raises after that, and the scan retries the rest from
        the table (the caller clears the hand-off). Returns how many were sent."""
        rows, self._handed = self._handed, []
        sent = 0
        try:
            for start in range(0, len(rows), self._batch_size):
                batch = rows[start:start + self._batch_size]
                try:
                    await self._publish(batch)
                except NotAllPublished as incomplete:
                    sent += incomplete.sent
                    raise incomplete.cause from incomplete
                sent += len(batch)
        except BaseException:
            self._to_mark(rows[:sent])
            await self.mark_published()  # the scan that follows must not take them again
            raise
        self._to_mark(rows)
        if len(self._unmarked) >= self._batch_size:
            await self.mark_published()
        return sent

    def _to_mark(self, rows: Sequence[Message]) -> None:
        if rows and not self._unmarked:
            self._unmarked_since = time.monotonic()
        self._unmarked.extend(row.event_id for row in rows)

    async def mark_published(self) -> None:
        """Mark sent the rows published so far and not marked yet."""
        event_ids, self._unmarked = self._unmarked, []
        if not event_ids:
            return
        at = self._clock.now()
        # a few hundred ids a statement: a big commit (an import) must not pass the
        # database's limit on bound parameters. Each commits by itself: a mark lost to a
        # crash in between only has its rows published again, and the consumers' inbox
        # skips those.
        for start in range(0, len(event_ids), self._batch_size):
            await self._db.alone(self._mark, {
                "ids": event_ids[start:start + self._batch_size], "at": at})

    async def _last_seq(self) -> int:
        from sqlalchemy import func

        async with self._db.reading() as session:
            return int(await session.scalar(select(func.max(self._table.c.seq))) or 0)

    async def flush(self, *, up_to: int | None = None) -> int:
        """Publish every pending row in the table (up to row ``up_to`` if given), oldest
        first; returns how many were sent."""
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
                if up_to is not None:
                    query = query.where(self._table.c.seq <= up_to)
                if not self._db.is_sqlite:
                    # Several replicas of a service may relay; rows are taken once each.
                    query = query.with_for_update(skip_locked=True)
                rows = (await session.execute(query)).all()
                if not rows:
                    return sent
                failure: BaseException | None = None
                try:
                    await self._publish([Message(row.event_type, row.payload.encode(),
                                                 row.event_id, row.traceparent)
                                         for row in rows])
                    done = [row.seq for row in rows]
                except NotAllPublished as incomplete:  # keep what went out; retry the rest
                    failure = incomplete.cause
                    done = [row.seq for row in rows[:incomplete.sent]]
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
