"""A deadline watcher re-plans for a new deadline only when it would otherwise sleep past
it (issue 17): a burst of later deadlines costs no tick and no re-plan, an earlier one
wakes it at once, and a wake without a deadline always does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from shared.clock import FixedClock
from shared.testing import memory_database
from shared.timers import DeadlineWatcher
from tests.helpers import eventually

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


async def test_a_later_deadline_does_not_wake_the_sleeping_watcher_an_earlier_one_does(
) -> None:
    from sqlalchemy import MetaData

    planned = NOW + timedelta(hours=1)
    ticks: list[datetime] = []

    async def next_due(_session: object) -> datetime | None:
        return planned

    async def fire(_session: object, now: datetime) -> None:
        ticks.append(now)

    async def asleep() -> bool:
        return watcher._sleeping_until is not None

    async with memory_database(MetaData()) as db:
        watcher = DeadlineWatcher(name="t", db=db, clock=FixedClock(NOW), next_due=next_due,
                                  fire=fire, max_sleep=7200)
        watcher.start()
        try:
            await eventually(asleep)  # its first tick done, it sleeps until `planned`
            assert len(ticks) == 1
            for minutes in (60, 61, 120):  # at or after the planned wake: nothing to do
                watcher.wake_for(NOW + timedelta(minutes=minutes))
            await asyncio.sleep(0.1)
            assert len(ticks) == 1
            watcher.wake_for(NOW + timedelta(minutes=5))  # earlier: re-plan now
            await eventually(lambda: _true(len(ticks) == 2))
            await eventually(asleep)
            watcher.wake()  # no deadline given: always re-plans
            await eventually(lambda: _true(len(ticks) == 3))
        finally:
            await watcher.stop()


async def _true(value: bool) -> bool:
    return value
