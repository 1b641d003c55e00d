"""Database access: one engine per service, transactions with after-commit hooks.

A unit of work is ``async with db.transaction() as session``: everything written inside
it, the state change, its outbox rows, its inbox claim and its audit record, commits
together or not at all. Hooks registered with :func:`after_commit` run only once the
commit succeeded (the outbox uses one to wake its relay).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import DateTime, Numeric, event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

_AFTER_COMMIT = "after_commit_hooks"
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
        value = Decimal(value).quantize(Decimal("0.01"))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


async def get_or_404(
    session: AsyncSession, model: type[M], key: Any, *, what: str, field: str,
    lock: bool = False,
) -> M:
    """The ``model`` row with primary key ``key`` (locked FOR UPDATE when asked), or a 404
    that names ``field``."""
    from .errors import NotFound

    row = await session.get(model, key, with_for_update=lock)
    if row is None:
        raise NotFound(f"no {what} {key}", field=field)
    return row


def after_commit(session: AsyncSession, hook: Callable[[], None]) -> None:
    """Run ``hook`` once the session's transaction has committed."""
    hooks: list[Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT, [])
    if hook not in hooks:
        hooks.append(hook)


class Database:
    """A service's own database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work; commits on success, rolls back on any error."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            for hook in session.info.pop(_AFTER_COMMIT, []):
                hook()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A read-only session."""
        async with self.sessions() as session:
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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


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
            await conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))


async def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (test clean-up)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    async with _server_admin(url) as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
