"""The relay rides out a publish that fails (issue 16, Deliver 3): nats-py does not retry a
publish, and during a stream-leader election JetStream answers nothing for seconds. No
servers here: the relay on an in-memory database with a publish that fails on cue."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import DBAPIError

from shared.clock import FixedClock
from shared.consumer import transient
from shared.events.base import Event
from shared.outbox import Outbox, backoff
from shared.plumbing import Plumbing
from shared.testing import memory_database

CLOCK = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


class Ping(Event):
    event_type = "test.ping.sent.v1"
    n: int


class Flaky:
    """Publishes into ``stored`` (a stream de-duplicating by message id); fails on cue."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.attempts: list[str] = []
        self.fail_next: list[BaseException | None] = []

    async def __call__(self, event_type: str, payload: bytes, msg_id: str) -> None:
        self.attempts.append(msg_id)
        failure = self.fail_next.pop(0) if self.fail_next else None
        if isinstance(failure, StoredThenTimedOut):
            self.stored.setdefault(msg_id, payload)  # stored, but the ack never came
        if failure is not None:
            raise failure
        self.stored.setdefault(msg_id, payload)  # Nats-Msg-Id: a second copy is dropped


class StoredThenTimedOut(TimeoutError):
    pass


async def _setup(db, outbox: Outbox, n: int) -> list[str]:
    ids = []
    async with db.transaction() as session:
        for i in range(n):
            event = Ping(n=i)
            await outbox.add(session, event)
            ids.append(event.event_id)
    return ids


async def test_relay_keeps_what_went_out_and_retries_the_rest_once_nats_answers():
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    async with memory_database(metadata) as db:
        publish = Flaky()
        outbox = Outbox(db=db, table=plumbing.outbox, clock=CLOCK, publish=publish)
        ids = await _setup(db, outbox, 5)
        # The third publish times out after the stream stored it (election under way).
        publish.fail_next = [None, None, StoredThenTimedOut()]
        with pytest.raises(TimeoutError):
            await outbox.flush()
        assert await outbox.pending() == 3  # the two acknowledged are marked sent
        async with db.reading() as session:
            sent = set((await session.execute(select(plumbing.outbox.c.event_id).where(
                plumbing.outbox.c.published_at.is_not(None)))).scalars())
        assert sent == set(ids[:2])
        # Still no leader: nothing answers at all.
        publish.fail_next = [TimeoutError()]
        with pytest.raises(TimeoutError):
            await outbox.flush()
        assert await outbox.pending() == 3
        # The new leader answers: the rest goes out, the stored one is not stored twice.
        assert await outbox.flush() == 3
        assert await outbox.pending() == 0
        assert list(publish.stored) == ids  # every event once, in order
        assert publish.attempts.count(ids[2]) == 3


def test_relay_backoff_grows_and_is_capped_to_keep_the_failover_gap_short():
    steps = [backoff(n) for n in range(1, 12)]
    assert steps[0] == pytest.approx(0.1)
    assert steps == sorted(steps)
    assert max(steps) == 1.0


def test_database_out_of_connections_is_transient_not_the_messages_fault():
    # "sorry, too many clients already" (SQLSTATE 53300), seen with 8 services on one server
    orig = asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    wrapped = type("AsyncAdaptError", (Exception,), {"sqlstate": orig.sqlstate})()
    assert transient(DBAPIError("connect", {}, wrapped))
    constraint = type("AsyncAdaptError", (Exception,), {"sqlstate": "23505"})()
    assert not transient(DBAPIError("insert", {}, constraint))
