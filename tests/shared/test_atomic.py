"""``Database.atomic()`` and ``statements_transaction()`` (issue 17): on PostgreSQL the
inserts of a unit go in as one statement, and a statements-only transaction runs on the
driver's connection; on both engines everything commits together or not at all, and
after-commit hooks run only after a commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from shared.db import Database, after_commit, ensure_database
from shared.testing import database_of

ENGINES = ["sqlite", "postgresql"]

metadata = MetaData()
parcels = Table(
    "parcels", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("label", String(40), nullable=False),
    Column("status", String(16), nullable=False, default="waiting"),  # a Python default
)
notes = Table(
    "notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("parcel_id", Integer, nullable=False),
    Column("text", String(80), nullable=False),
)
READ_PARCEL = select(parcels.c.label, parcels.c.status).where(parcels.c.id == bindparam("id"))


@asynccontextmanager
async def _database(ns, engine: str) -> AsyncIterator[Database]:
    url = ns.on_engine("intake", engine).sqlalchemy_url()  # a database of the test's own
    await ensure_database(url)
    async with database_of(metadata, url) as db:
        yield db


async def _count(db: Database, table: Table) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_units_inserts_commit_together_and_then_its_hooks_run(ns, engine) -> None:
    async with _database(ns, engine) as db:
        ran: list[str] = []
        async with db.atomic() as unit:
            assert await unit.fetch(READ_PARCEL, {"id": 1}) == []
            await unit.execute(insert(parcels), {"id": 1, "label": "TV"})
            await unit.execute(insert(notes), {"parcel_id": 1, "text": "fragile"})
            after_commit(unit, lambda: ran.append("hook"))
            assert ran == []
        assert ran == ["hook"]
        async with db.atomic() as unit:
            assert await unit.fetch(READ_PARCEL, {"id": 1}) == [
                {"label": "TV", "status": "waiting"}]  # the column's default applied
        assert await _count(db, notes) == 1


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_unit_that_fails_or_raises_writes_nothing_and_runs_no_hook(ns, engine) -> None:
    async with _database(ns, engine) as db:
        async with db.atomic() as unit:
            await unit.execute(insert(parcels), {"id": 1, "label": "TV"})
        ran: list[str] = []
        with pytest.raises(IntegrityError):  # the second parcel 1: the whole unit fails
            async with db.atomic() as unit:
                await unit.execute(insert(notes), {"parcel_id": 1, "text": "lost?"})
                await unit.execute(insert(parcels), {"id": 1, "label": "again"})
                after_commit(unit, lambda: ran.append("hook"))
        with pytest.raises(RuntimeError):
            async with db.atomic() as unit:
                await unit.execute(insert(notes), {"parcel_id": 1, "text": "lost?"})
                after_commit(unit, lambda: ran.append("hook"))
                raise RuntimeError("the use case refused")
        assert ran == []
        assert await _count(db, notes) == 0 and await _count(db, parcels) == 1


def _upsert(engine: str):
    dialect = sqlite if engine == "sqlite" else postgresql
    return (dialect.insert(parcels).on_conflict_do_nothing(index_elements=[parcels.c.id])
            .returning(parcels.c.id))


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_statements_transaction_commits_or_rolls_back_whole(ns, engine) -> None:
    async with _database(ns, engine) as db:
        upsert = _upsert(engine)
        ran: list[str] = []
        async with db.statements_transaction() as tx:
            first = await tx.execute(upsert, {"id": 7, "label": "fridge"})
            again = await tx.execute(upsert, {"id": 7, "label": "fridge"})
            assert first.first() is not None and again.first() is None  # the key decides
            assert await tx.scalar(select(func.count()).select_from(parcels)) == 1
            after_commit(tx, lambda: ran.append("hook"))
        assert ran == ["hook"]
        with pytest.raises(RuntimeError):
            async with db.statements_transaction() as tx:
                await tx.execute(upsert, {"id": 8, "label": "washer"})
                raise RuntimeError("a handler failed")
        with pytest.raises(IntegrityError):
            async with db.statements_transaction() as tx:
                await tx.execute(upsert, {"id": 9, "label": "oven"})
                await tx.execute(insert(notes), {"parcel_id": 9})  # text is NOT NULL
        async with db.atomic() as unit:
            rows = await unit.fetch(select(parcels.c.id).order_by(parcels.c.id), {})
        assert [row["id"] for row in rows] == [7]
        assert ran == ["hook"]


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_relay_marks_what_it_published_in_a_statement_of_its_own(ns, engine):
    # Issue 17: ``db.alone`` commits one statement by itself (on PostgreSQL with no BEGIN
    # and COMMIT, ``= ANY`` of the ids); the relay marks each published batch with it.
    from shared.clock import FixedClock
    from shared.events.base import Event
    from shared.outbox import Outbox
    from shared.plumbing import Plumbing
    from shared.testing import one_by_one

    class Pinged(Event):
        event_type = "test.atomic.pinged.v1"
        n: int

    relay_metadata = MetaData()
    plumbing = Plumbing(relay_metadata)
    url = ns.on_engine("intake", engine).sqlalchemy_url()
    await ensure_database(url)
    published: list[str] = []

    async def publish(_type: str, _payload: bytes, msg_id: str) -> None:
        published.append(msg_id)

    async with database_of(relay_metadata, url) as db:
        outbox = Outbox(db=db, table=plumbing.outbox, clock=FixedClock(
            datetime(2026, 12, 7, 8, tzinfo=UTC)), publish=one_by_one(publish), batch_size=3)
        async with db.transaction() as session:
            for i in range(7):
                await outbox.add(session, Pinged(n=i))
        assert await outbox.pending() == 7
        assert await outbox.flush() == 7  # marked three ids a statement: 3 + 3 + 1
        assert await outbox.pending() == 0 and len(published) == len(set(published)) == 7
        assert await db.alone(plumbing.outbox.update().values(published_at=None), {}) == 7
        assert await outbox.pending() == 7
