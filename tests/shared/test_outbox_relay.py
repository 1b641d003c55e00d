"""The relay rides out a publish that fails (issue 16, Deliver 3): nats-py does not retry a
publish, and during a stream-leader election JetStream answers nothing for seconds. No
servers here: the relay on an in-memory database with a publish that fails on cue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.exc import DBAPIError

from shared.clock import FixedClock
from shared.consumer import transient
from shared.events.base import Event
from shared.outbox import Outbox, backoff
from shared.plumbing import Plumbing
from shared.testing import database_of, memory_database, one_by_one
from tests.helpers import eventually

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


def _async(probe: Callable[[], object]) -> Callable[[], Awaitable[object]]:
    async def probed() -> object:
        return probe()
    return probed


def _file_database(tmp_path: Path, metadata: MetaData):
    """A SQLite file: the relay's loop and the test write from their own connections."""
    return database_of(metadata, f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")


@asynccontextmanager
async def _relay_in_memory(**options: Any) -> AsyncIterator[tuple[Any, Plumbing, Outbox, Flaky]]:
    """A relay on an in-memory database, publishing into a ``Flaky`` stream."""
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    async with memory_database(metadata) as db:
        publish = Flaky()
        yield db, plumbing, Outbox(db=db, table=plumbing.outbox, clock=CLOCK,
                                   publish=one_by_one(publish), **options), publish


async def _setup(db, outbox: Outbox, n: int) -> list[str]:
    ids = []
    async with db.transaction() as session:
        for i in range(n):
            event = Ping(n=i)
            await outbox.add(session, event)
            ids.append(event.event_id)
    return ids


async def test_relay_keeps_what_went_out_and_retries_the_rest_once_nats_answers():
    async with _relay_in_memory() as (db, plumbing, outbox, publish):
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


async def test_committed_rows_reach_the_relay_in_memory_and_go_out_without_a_scan(tmp_path):
    """Issue 17: a commit hands its rows to the relay, which publishes them in commit
    order and marks them sent; with an hour between scans, only the hand-off can have
    published them within the test's bound."""
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    async with _file_database(tmp_path, metadata) as db:
        publish = Flaky()
        outbox = Outbox(db=db, table=plumbing.outbox, clock=CLOCK, publish=one_by_one(publish),
                        poll_seconds=3600)
        outbox.start()
        try:
            await eventually(_async(lambda: outbox.scans), within=5)  # an empty table
            first = await _setup(db, outbox, 2)
            second = await _setup(db, outbox, 1)
            await eventually(_async(lambda: len(publish.stored) == 3), within=5)
        finally:
            await outbox.stop()
        assert await outbox.pending() == 0
        assert outbox.scans == 1
        assert list(publish.stored) == first + second
        assert publish.attempts == first + second  # each once


async def test_a_rolled_back_transaction_hands_nothing_over():
    async with _relay_in_memory() as (db, _plumbing, outbox, publish):
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await outbox.add(session, Ping(n=1))
                raise RuntimeError("the state change failed")
        assert await outbox.relay_handed() == 0
        assert await outbox.pending() == 0
        assert publish.attempts == []


async def test_a_failed_hand_off_leaves_the_rest_to_the_scan_in_order():
    async with _relay_in_memory() as (db, _plumbing, outbox, publish):
        ids = await _setup(db, outbox, 4)
        publish.fail_next = [None, StoredThenTimedOut()]
        with pytest.raises(TimeoutError):
            await outbox.relay_handed()
        assert await outbox.pending() == 3  # the acknowledged one is marked sent
        assert await outbox.flush() == 3
        assert list(publish.stored) == ids  # every event once, in order


async def test_after_a_restart_the_rows_left_behind_go_out_before_new_ones(tmp_path):
    """A restarted relay scans first: rows the previous process left in the table are
    published before those its own commits hand over, so no event overtakes an older one."""
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    async with _file_database(tmp_path, metadata) as db:
        publish = Flaky()
        before_restart = Outbox(db=db, table=plumbing.outbox, clock=CLOCK,
                                publish=one_by_one(publish))
        left = await _setup(db, before_restart, 2)  # committed, never relayed: it died
        outbox = Outbox(db=db, table=plumbing.outbox, clock=CLOCK, publish=one_by_one(publish),
                        poll_seconds=3600)
        new = await _setup(db, outbox, 1)  # handed over before its relay's first round
        outbox.start()
        try:
            await eventually(_async(lambda: len(publish.stored) == 3), within=5)
        finally:
            await outbox.stop()
        assert list(publish.stored) == left + new
        assert publish.attempts == left + new


async def test_a_big_commit_is_marked_sent_whole_a_batch_of_ids_a_statement():
    async with _relay_in_memory(batch_size=7) as (db, _plumbing, outbox, publish):
        ids = await _setup(db, outbox, 30)
        assert await outbox.relay_handed() == 30
        assert await outbox.pending() == 0
        assert list(publish.stored) == ids


async def test_a_trickle_of_commits_is_marked_sent_together_not_a_statement_each(
        tmp_path, monkeypatch):
    """Issue 17: at a steady trickle each commit is published alone; its mark waits up to
    ``mark_seconds`` (or a full batch, or the next scan), so a few statements a second mark
    them all. Until then the rows still count as pending."""
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    async with _file_database(tmp_path, metadata) as db:
        statements: list[int] = []
        alone = db.alone

        async def counted(statement, params):
            statements.append(len(params["ids"]))
            return await alone(statement, params)

        monkeypatch.setattr(db, "alone", counted)
        publish = Flaky()
        outbox = Outbox(db=db, table=plumbing.outbox, clock=CLOCK, publish=one_by_one(publish),
                        mark_seconds=3600)
        ids = []
        for _ in range(3):
            ids += await _setup(db, outbox, 1)
            assert await outbox.relay_handed() == 1
        assert list(publish.stored) == ids
        assert await outbox.pending() == 3 and statements == []  # published, marks waiting
        await outbox.mark_published()
        assert await outbox.pending() == 0 and statements == [3]

        # The loop marks them once ``mark_seconds`` passed, with no scan between.
        looping = Outbox(db=db, table=plumbing.outbox, clock=CLOCK,
                         publish=one_by_one(publish), poll_seconds=3600, mark_seconds=0.05)
        looping.start()
        try:
            await eventually(_async(lambda: looping.scans), within=5)
            later = await _setup(db, looping, 1) + await _setup(db, looping, 1)
            await eventually(_async(lambda: list(publish.stored)[-2:] == later), within=5)

            async def marked() -> bool:
                return await looping.pending() == 0

            await eventually(marked, within=5)
        finally:
            await looping.stop()
        assert looping.scans == 1
        assert statements[0] == 3 and sum(statements) == 5


async def test_a_failed_publish_marks_what_went_out_before_the_scan_retries():
    """The marks of a batch that failed half-way do not wait: the scan that follows must
    not publish the acknowledged rows again."""
    async with _relay_in_memory(mark_seconds=3600) as (db, _plumbing, outbox, publish):
        ids = await _setup(db, outbox, 3)
        publish.fail_next = [None, None, TimeoutError()]
        with pytest.raises(TimeoutError):
            await outbox.relay_handed()
        assert await outbox.pending() == 1
        assert await outbox.flush() == 1
        assert publish.attempts == ids + ids[2:]  # the first two went out once
