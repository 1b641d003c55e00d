"""Replicas starting together migrate one at a time (issue 16, Deliver 4): a PostgreSQL
advisory lock (SQLite: BEGIN IMMEDIATE) around start-up migrations, and
``aftersales migrate`` for operators, which takes the same lock."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from shared.db import Database
from shared.migrations import lock_key, migrate
from tools.migrate_cmd import migrations_dir

REPLICAS = 4


async def _versions(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return list((await conn.execute(text("SELECT version_num FROM alembic_version")))
                        .scalars())
    finally:
        await db.dispose()


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
async def test_replicas_migrating_one_fresh_database_at_once_all_succeed(ns, engine):
    settings = ns.on_engine("intake", engine)
    url = settings.sqlalchemy_url()
    dbs = [Database(url) for _ in range(REPLICAS)]
    try:
        # Without the lock these race: CREATE DATABASE twice, CREATE TABLE twice.
        await asyncio.gather(*(migrate(db, migrations_dir("intake"), service="intake")
                               for db in dbs))
    finally:
        for db in dbs:
            await db.dispose()
    assert len(await _versions(url)) == 1  # the schema was created once, at head


def test_aftersales_migrate_from_two_processes_at_once(ns):
    settings = ns.on_engine("dispatch", "postgresql")
    env = {**os.environ, **ns.env()}
    cmd = [sys.executable, "-m", "tools.cli", "migrate", "--service", "dispatch"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("dispatch: at head" in out for out in outputs)
    assert len(asyncio.run(_versions(settings.sqlalchemy_url()))) == 1


def test_lock_keys_are_per_service_and_stable():
    keys = {lock_key(s) for s in ("intake", "dispatch", "complaints", "billing", "survey")}
    assert len(keys) == 5
    assert lock_key("intake") == lock_key("intake")
