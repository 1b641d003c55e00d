"""SQLite's writers wait in one queue per process, in order (issue 17, SPEC §8 "nothing
twice"): concurrent read-then-write transactions on a database file all commit, none is
lost or refused as locked, they are served first come first served, and a transaction on
another database opened inside one does not wait for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, select, update

from shared.db import Database

metadata = MetaData()
counter = Table("counter", metadata, Column("id", Integer, primary_key=True),
                Column("value", Integer, nullable=False))


async def _database(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(counter.insert().values(id=1, value=0))
    return db


async def test_concurrent_writers_of_a_file_all_commit_in_arrival_order(tmp_path) -> None:
    db = await _database(tmp_path / "one.db")
    entered: list[int] = []

    async def increment(i: int) -> None:
        async with db.transaction() as session:
            value = await session.scalar(select(counter.c.value).where(counter.c.id == 1))
            entered.append(i)  # after its first statement: it holds SQLite's write lock
            await asyncio.sleep(0.001)  # let every other writer try to get in meanwhile
            await session.execute(update(counter).where(counter.c.id == 1)
                                  .values(value=value + 1))

    try:
        await asyncio.gather(*(increment(i) for i in range(16)))
        async with db.reading() as session:
            assert await session.scalar(select(counter.c.value)) == 16  # none lost
        assert entered == list(range(16))  # first come, first served
    finally:
        await db.dispose()


async def test_a_transaction_on_another_database_inside_one_does_not_wait(tmp_path) -> None:
    first, second = await _database(tmp_path / "a.db"), await _database(tmp_path / "b.db")
    try:
        async with first.transaction() as outer:
            await outer.execute(update(counter).values(value=1))
            async with asyncio.timeout(10):
                async with second.transaction() as inner:
                    await inner.execute(update(counter).values(value=2))
        for db, expected in ((first, 1), (second, 2)):
            async with db.reading() as session:
                assert await session.scalar(select(counter.c.value)) == expected
    finally:
        await first.dispose()
        await second.dispose()
