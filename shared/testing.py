"""Fakes of a service's context for unit tests of its service layer (no servers).

    ctx, events = fake_context(plumbing, clock=FixedClock(at))
    async with memory_database(Base.metadata) as db, db.transaction() as session:
        await service.complete(ctx, session, actor=..., ...)
    assert [e.event_type for e in events] == [...]

``memory_database`` is a real SQLite unit of work in memory (the service's own models
and plumbing tables, created from its metadata), so the use case runs its real
statements; ``RecordingOutbox`` keeps the events instead of relaying them, and
``FixedClock`` is the clock. Integration and end-to-end tests use real NATS and real
databases instead (``tests/infra.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from . import tracing
from .audit import AuditLog
from .branches import Branch, load_branches
from .clock import Clock, FixedClock
from .context import Context
from .db import Database, Unit, after_commit
from .events.base import Event
from .letters import Letters
from .outbox import Message, NotAllPublished, PublishBatch
from .plumbing import Plumbing
from .settings import Settings


@dataclass
class RecordingOutbox:
    """An outbox that records events; ``committed`` holds those whose transaction committed."""

    added: list[Event] = field(default_factory=list)
    committed: list[Event] = field(default_factory=list)

    async def add(self, session: Unit, event: Event) -> None:
        self.added.append(event)
        after_commit(session, lambda: self.committed.append(event))

    def types(self) -> list[str]:
        return [e.event_type for e in self.committed]


@dataclass
class RecordingWakes:
    """Which deadline watchers a use case asked to wake after commit."""

    woken: list[str] = field(default_factory=list)

    def __call__(self, session: AsyncSession, watcher: str,
                 due: datetime | None = None) -> None:
        after_commit(session, lambda: self.woken.append(watcher))


def fake_context(
    plumbing: Plumbing, *, clock: Clock | None = None, service: str = "test",
    branches: Mapping[str, Branch] | None = None, settings: Settings | None = None,
) -> tuple[Context, RecordingOutbox]:
    """A context with a fixed clock, a recording outbox, the demo branches and
    ``plumbing``'s audit table; returns it with the outbox to assert on."""
    clock = clock or FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    outbox = RecordingOutbox()
    ctx = Context(
        clock=clock, outbox=outbox, audit=AuditLog(plumbing.audit_log, clock),
        branches=branches if branches is not None else load_branches(None),
        settings=settings or Settings(service=service), wake=RecordingWakes(),
        # the real queue on plumbing's letters table; no relay runs in a unit test
        letters=Letters(plumbing.letters, clock),
    )
    return ctx, outbox


@asynccontextmanager
async def memory_database(metadata: MetaData) -> AsyncIterator[Database]:
    """An in-memory SQLite unit of work holding ``metadata``'s tables."""
    async with database_of(metadata, "sqlite+aiosqlite://") as db:
        yield db


@asynccontextmanager
async def database_of(metadata: MetaData, url: str) -> AsyncIterator[Database]:
    """The database at ``url`` with ``metadata``'s tables created."""
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield db
    finally:
        await db.dispose()


Publish = Callable[[str, bytes, str], Awaitable[None]]


def one_by_one(publish: Publish) -> PublishBatch:
    """A batch publisher for the outbox that awaits each message's ``publish`` in turn,
    inside its row's trace context: a test's stand-in for shared.publisher."""

    async def batch(messages: Sequence[Message]) -> None:
        for sent, message in enumerate(messages):
            try:
                with tracing.attached(message.traceparent):
                    await publish(message.event_type, message.payload, message.event_id)
            except Exception as exc:
                raise NotAllPublished(sent, exc) from exc

    return batch
