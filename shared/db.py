"""Database access: one engine per service, transactions with after-commit hooks.

A unit of work is ``async with db.transaction() as session``: everything written inside
it, the state change, its outbox rows, its inbox claim and its audit record, commits
together or not at all. Hooks registered with :func:`after_commit` run only once the
commit succeeded (the outbox uses one to wake its relay).

One winner under concurrency, on both engines (the check-then-write rule):
- PostgreSQL: a use case that checks a record's state before changing it loads that
  record ``FOR UPDATE`` (``get_or_404(..., lock=True)``); concurrent transitions of the
  same record queue on the row lock and the later ones see the new state (409).
- SQLite: ``FOR UPDATE`` does nothing, so every write transaction starts with
  ``BEGIN IMMEDIATE``: it takes the database's write lock before its first read, and
  writers run one after the other (``busy_timeout`` makes the others wait, not fail).
  Reads (``db.reading()``) begin deferred and run beside them (WAL).
Both serialise exactly the transactions that could race, so the same rule holds
whichever engine a service centre runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import DateTime, Numeric, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from .atomic import OneStatement, SessionUnit

_AFTER_COMMIT = "after_commit_hooks"
# The SQLite databases (by id) whose write transaction this task is inside (_writers).
_WRITING: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "aftersales_db_writing", default=frozenset())
M = TypeVar("M")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store times in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Exact decimal money with two places (SQLite keeps it as text so nothing rounds)."""

    impl = Numeric(14, 2, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        from sqlalchemy import String

        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -2:
            # Inputs are checked by shared.money; reaching here is a bug, never rounded away.
            raise ValueError(f"money with more than 2 decimals refused: {value}")
        value = value.quantize(Decimal("0.01"))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


async def get_or_404(
    session: AsyncSession, model: type[M], key: Any, *, what: str, field: str,
    lock: bool = False,
) -> M:
    """The ``model`` row with primary key ``key`` (locked FOR UPDATE when asked), or a 404
    that names ``field``."""
    from .rules import NotFound

    row = await session.get(model, key, with_for_update=lock)
    if row is None:
        raise NotFound(f"no {what} {key}", field=field)
    return row


async def find_or_404(
    session: AsyncSession, model: type[M], column: Any, value: Any, *, what: str, field: str,
    lock: bool = False,
) -> M:
    """The ``model`` row whose unique ``column`` equals ``value`` (locked FOR UPDATE when
    asked), or a 404 that names ``field``: ``get_or_404`` for a number that is not the key."""
    from sqlalchemy import select

    from .rules import NotFound

    query = select(model).where(column == value)
    if lock:
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no {what} {value}", field=field)
    return row


def is_sqlite(session: AsyncSession) -> bool:
    """Whether the session's database is SQLite (for the few dialect-specific statements)."""
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


class Unit(Protocol):
    """What the audit log and the outbox write through: a session in a transaction, or
    a unit of ``Database.atomic()``."""

    info: dict[str, Any]

    async def execute(self, statement: Any, params: Any = None, /) -> Any: ...


def after_commit(session: Unit, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the session's transaction has committed."""
    hooks: list[Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT, [])
    if hook not in hooks:
        hooks.append(hook)


def committed(unit: Unit) -> None:
    """Run the hooks ``after_commit`` registered on ``unit``, now that it committed."""
    for hook in unit.info.pop(_AFTER_COMMIT, []):
        hook()


class Database:
    """A service's own database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        in_memory = self.is_sqlite and make_url(url).database in (None, "", ":memory:")
        if in_memory:
            # One shared connection, or every session would see its own empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(_postgres_pool())
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.read_engine: AsyncEngine = self.engine
        if self.is_sqlite:
            _sqlite_begin(self.engine, "BEGIN IMMEDIATE")
            if not in_memory:
                self.read_engine = create_async_engine(url, **kwargs)
                _sqlite_begin(self.read_engine, "BEGIN")
        self._file_sqlite = self.is_sqlite and not in_memory
        self._writer_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.compiled_statements: Any = None  # shared.atomic's, compiled on first use

    def atomic(self) -> AbstractAsyncContextManager[OneStatement | SessionUnit]:
        """Reads at once, then every insert together: on PostgreSQL one statement with no
        transaction around it (shared.atomic, for the hot paths of issue 17)."""
        from .atomic import atomic

        return atomic(self)

    async def alone(self, statement: Any, params: Mapping[str, Any]) -> int:
        """One statement committed by itself, its row count: on PostgreSQL on the driver's
        connection, with no BEGIN and COMMIT (shared.atomic)."""
        from .atomic import alone

        return await alone(self, statement, params)

    def statements_transaction(self) -> AbstractAsyncContextManager[Any]:
        """A transaction for code that runs Core statements only (``execute``, ``scalar``):
        on PostgreSQL on the driver's connection, each statement compiled once
        (shared.atomic); elsewhere ``transaction()``."""
        from .atomic import transaction

        return transaction(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work; commits on success, rolls back on any error.

        On SQLite it holds the write lock from its first statement (see the module
        docstring), so its checks and its writes see no other writer in between.
        """
        writers = self._writers()
        if writers is None or id(self) in _WRITING.get():
            async with self._unit() as session:
                yield session
            return
        async with writers:
            token = _WRITING.set(_WRITING.get() | {id(self)})
            try:
                async with self._unit() as session:
                    yield session
            finally:
                _WRITING.reset(token)

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            async with session.begin():
                yield session
        committed(session)

    def _writers(self) -> asyncio.Lock | None:
        """SQLite file: the queue this process's writers wait in, first come first served.

        SQLite lets one writer in at a time and makes the others poll (``busy_timeout``)
        with sleeps that grow to 100 ms: under 16 concurrent writers the ones that waited
        longest sleep longest, and the tail grew to seconds (issue 17). Queued here, in
        order, only the writer at the head asks SQLite for the lock, which is then free.
        Only the service's own process writes its file, so nothing else contends. A
        transaction opened inside another one in the same task (``_WRITING``) does not
        queue behind itself; it meets SQLite's lock as before. One lock per event loop.
        """
        if not self._file_sqlite:
            return None
        loop = asyncio.get_running_loop()
        if self._writer_lock is None or self._writer_lock[0] is not loop:
            self._writer_lock = (loop, asyncio.Lock())
        return self._writer_lock[1]

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session (on SQLite it never takes the write lock)."""
        async with self.read_sessions() as session:
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


# A service is one uvicorn process on one event loop: concurrency is bounded by the
# requests and consumers in flight, not by threads. The pool holds that many connections
# and keeps them (no overflow that is opened and closed again under a burst: each new
# PostgreSQL session costs a fork and ~1 ms of CPU on both sides). Connections open
# lazily, so an idle service holds one or two; five busy services hold at most 5 x 16 =
# 80 of a default max_connections of 100, leaving room for tools and migrations.
POOL_SIZE_ENV = "AFTERSALES_DB_POOL_SIZE"
DEFAULT_POOL_SIZE = 16


def _postgres_pool() -> dict[str, Any]:
    """Pool settings for PostgreSQL.

    No ``pool_pre_ping``: it costs a round trip on every checkout. A connection the server
    dropped (restart, idle kill, failover) instead fails its first statement with a
    disconnect error; SQLAlchemy recognises it (``is_disconnect``) and invalidates that
    connection and every connection opened before it, so the pool reconnects once
    rather than failing once per stale connection. The unit of work rolls back: that
    request answers an error and changes nothing, the next one gets a fresh connection,
    and a consumer's message is redelivered because 08xxx is transient
    (shared.consumer). ``pool_use_lifo`` lets surplus connections idle out on the server
    side while the hot ones stay in use; ``pool_recycle`` retires connections before
    typical idle-kill timeouts of proxies and firewalls.
    """
    size = int(os.environ.get(POOL_SIZE_ENV, DEFAULT_POOL_SIZE))
    return {"pool_size": max(1, size), "max_overflow": 0, "pool_timeout": 30,
            "pool_recycle": 1800, "pool_use_lifo": True}


def _sqlite_begin(engine: AsyncEngine, begin: str) -> None:
    """Let SQLAlchemy, not the driver, open SQLite transactions, with ``begin``."""

    def on_connect(dbapi_conn: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_conn, record)
        dbapi_conn.isolation_level = None  # the driver emits no BEGIN of its own

    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Put the database file in WAL mode, once: the mode is kept in the file, so later
    connections only read it. Switching needs the file to itself, and SQLite answers
    "database is locked" at once, without its busy handler, when another connection to a
    new file is already writing (replicas, or a service's engines, starting together on a
    fresh database); the switch is then retried until that writer is done (bounded)."""
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    for attempt in range(500):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:
            if "locked" not in str(exc) or attempt == 499:
                raise
            time.sleep(0.01)  # only on a brand-new file, at its first connections


@asynccontextmanager
async def _server_admin(url: str) -> AsyncIterator[Any]:
    """An autocommit connection to the server's ``postgres`` database (CREATE/DROP)."""
    admin = create_async_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", pool_size=1
    )
    try:
        async with admin.connect() as conn:
            yield conn
    finally:
        await admin.dispose()


async def ensure_database(url: str) -> None:
    """Create the service's PostgreSQL database if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    async with _server_admin(url) as conn:
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            try:
                await conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            except DBAPIError:
                # Another replica created it at the same moment: that is what we wanted.
                if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                         {"n": parsed.database}):
                    raise


async def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (test clean-up)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    async with _server_admin(url) as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
