"""A background task that sleeps until woken or a timeout passes, and stops cleanly.

The outbox relay and the deadline watchers are both "do the work, then wait for news";
this is that waiting, once.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod


class WakeableLoop(ABC):
    """Runs :meth:`run_loop` as a task; :meth:`wake` cuts its current wait short."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run_loop(), name=self._name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, less if woken; a wake that came meanwhile is kept."""
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    def take_wake(self) -> None:
        """Forget wakes so far (call before the work, so news during it is not lost)."""
        self._wake.clear()

    @abstractmethod
    async def run_loop(self) -> None:
        """Loop until ``self._stopping``: take_wake(), work, wait(...)."""
