"""What a use case may use: the narrow context instead of the whole runtime.

A use case takes ``ctx: Context`` and a session (its unit of work): the clock, the
outbox it writes events to, the audit log, the letters it queues to customers
(``ctx.letters.queue``), the branches' reference data, the settings, and a way to wake
a deadline watcher once its transaction commits. It never sees the broker, the engine
or the HTTP app, so the service layer runs in a unit test with the fakes of
``shared.testing`` and in production with ``Runtime.context``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from .audit import AuditLog
from .branches import Branch
from .clock import Clock
from .events.base import Event
from .letters import Letters
from .rules import RuleBroken
from .settings import Settings


class EventWriter(Protocol):
    """Where a use case puts the events of its transaction (the outbox)."""

    async def add(self, session: AsyncSession, event: Event) -> None: ...


Wake = Callable[[AsyncSession, str, datetime | None], None]


def _no_watchers(_session: AsyncSession, _name: str, _due: datetime | None) -> None:
    return None


@dataclass(frozen=True)
class Context:
    """The parts of a service a use case depends on."""

    clock: Clock
    outbox: EventWriter
    audit: AuditLog
    branches: Mapping[str, Branch]
    settings: Settings
    # letters to customers, queued in the caller's transaction (shared.letters)
    letters: Letters
    wake: Wake = field(default=_no_watchers)

    def now(self) -> datetime:
        return self.clock.now()

    def branch(self, code: str, *, field: str = "branch") -> Branch:
        """The branch with ``code``, or 422 naming the field."""
        try:
            return self.branches[code]
        except KeyError:
            raise RuleBroken(f"unknown branch {code!r}", field=field) from None

    def head_office(self) -> Branch:
        """The branch whose zone is the company's and whose accounting keeps the payroll
        (``AFTERSALES_HEAD_OFFICE_BRANCH``; unset: the first branch of the file)."""
        code = self.settings.head_office_branch
        if code is not None:
            return self.branch(code, field="AFTERSALES_HEAD_OFFICE_BRANCH")
        return next(iter(self.branches.values()))

    def wake_after_commit(self, session: AsyncSession, watcher: str, *,
                          due: datetime | None = None) -> None:
        """Re-plan the deadline watcher ``watcher`` once ``session`` commits; ``due``, the
        deadline the transaction added, lets the watcher skip re-planning when it wakes by
        then anyway (shared.timers)."""
        self.wake(session, watcher, due)
