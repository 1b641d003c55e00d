"""Deadline watchers: act the moment something falls due, not on the next sweep.

A watcher asks the service for its earliest pending deadline, sleeps until then (or
until woken because a new, earlier deadline was committed), and calls ``fire`` with
"now" in a transaction. Deadlines live in the service's own tables, so a restart loses
none: on start the watcher fires everything already overdue. ``fire`` must mark what it
handled (e.g. a ``reminded_at`` column) so that nothing fires twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from .clock import Clock
from .db import Database, after_commit
from .loops import WakeableLoop

log = logging.getLogger("aftersales.timers")

NextDue = Callable[[AsyncSession], Awaitable[datetime | None]]
Fire = Callable[[AsyncSession, datetime], Awaitable[None]]


class DeadlineWatcher(WakeableLoop):
    """Fires ``fire(session, now)`` whenever ``next_due`` has passed."""

    def __init__(
        self, *, name: str, db: Database, clock: Clock, next_due: NextDue, fire: Fire,
        max_sleep: float = 30.0,
    ) -> None:
        self.name = name
        self._db = db
        self._clock = clock
        self._next_due = next_due
        self._fire = fire
        self._max_sleep = max_sleep
        self._ticking = asyncio.Lock()
        # when the current sleep ends (None while awake): a wake for a later deadline waits
        self._sleeping_until: datetime | None = None
        super().__init__(f"watcher-{name}")

    def wake_after_commit(self, session: AsyncSession, *, due: datetime | None = None) -> None:
        """Re-plan once the caller's transaction (which added a deadline) commits.

        With ``due``, the deadline it added, nothing is done when the watcher sleeps until
        no later than that anyway: it finds the deadline when it looks next. Under a burst
        of new deadlines (a survey card per registered call) this spares a tick and a
        re-plan, two transactions, per event (issue 17)."""
        if due is None:
            after_commit(session, self.wake)
        else:
            after_commit(session, lambda: self.wake_for(due))

    def wake_for(self, due: datetime) -> None:
        """Wake now unless the watcher is asleep until ``due`` or earlier."""
        planned = self._sleeping_until
        if planned is None or due < planned:
            self.wake()

    async def tick(self) -> None:
        """Fire what is due now (tests call this directly with a fixed clock)."""
        async with self._ticking, self._db.transaction() as session:
            await self._fire(session, self._clock.now())

    async def run_loop(self) -> None:
        while not self._stopping:
            self.take_wake()  # before the tick, so a wake or stop during it is kept
            try:
                await self.tick()
                async with self._db.reading() as session:
                    due = await self._next_due(session)
                delay = self._max_sleep
                if due is not None:
                    # A floor keeps a deadline that ``fire`` left pending from spinning.
                    delay = min(delay, max((due - self._clock.now()).total_seconds(), 0.05))
            except Exception:
                log.exception("watcher %s failed; retrying", self.name)
                delay = 1.0
            self._sleeping_until = self._clock.now() + timedelta(seconds=delay)
            try:
                await self.wait(delay + 0.01)
            finally:
                self._sleeping_until = None
