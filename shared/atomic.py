"""A unit of work that reads first and then inserts: on PostgreSQL one statement, no
transaction around it (issue 17).

``async with db.atomic() as unit``: ``await unit.fetch(select, params)`` reads at once;
``await unit.execute(insert(table), params)`` (what the audit log and the outbox call)
is kept, and when the block ends every insert goes to the database together:

- PostgreSQL: one statement, ``WITH w1 AS (INSERT …), w2 AS (INSERT …) INSERT …``, sent
  as a prepared statement on the driver's connection. A statement is atomic by itself,
  so the state change, its audit entry and its outbox row commit together or not at all,
  with no BEGIN and COMMIT round trips. Each statement is compiled once by SQLAlchemy
  (its bind processors still apply) and asyncpg prepares it once per connection.
- SQLite (and any other engine): an ordinary ``db.transaction()``, each call executed on
  its session at once; its writer queue and ``BEGIN IMMEDIATE`` apply as everywhere.

The reads are not in a transaction with the insert on PostgreSQL. That is what a READ
COMMITTED transaction gives as well (each statement sees the latest commit), so a use
case fits here only if it checks nothing that another transaction could change in
between and that a row lock would have held: registering a call reads the customer's
file and draws the call's number, and changes nothing that exists. A transition that
checks a state before changing it uses ``db.transaction()`` and ``FOR UPDATE``.

After-commit hooks (``shared.db.after_commit``) run once the statement succeeded, as
after a commit; when the block raises, nothing is sent and no hook runs.

Consumers whose handlers only insert (``shared.consumer``, ``inserts_only``) apply a
batch of events as one such unit: the inbox claims are plain inserts in it, so a
redelivered event fails the statement (``deferred`` tells code which unit it is in).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.util import greenlet_spawn

from .db import committed, is_sqlite

if TYPE_CHECKING:
    from .db import Database

_PLACEHOLDER = re.compile(r"\$(\d+)")
_CACHED = 512


class _Compiled:
    """A statement in the driver's SQL: its parameter names in order, their processors,
    and for a select its result keys and processors."""

    def __init__(self, statement: Any, dialect: Any,
                 columns: tuple[str, ...] | None = None) -> None:
        # an INSERT or UPDATE is compiled for the columns given, as a session executes it
        compiled = statement.compile(dialect=dialect,
                                     column_keys=list(columns) if columns else None)
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        processors = compiled._bind_processors
        self.binds: tuple[Callable[[Any], Any] | None, ...] = tuple(
            processors.get(name) for name in self.names)
        # the statement's own literals (a function's argument, say) are parameters too
        # columns not given that have a Python-side default (or on-update value)
        self.defaults: dict[str, Any] = {
            **{c.key: c.default for c in getattr(compiled, "insert_prefetch", ())},
            **{c.key: c.onupdate for c in getattr(compiled, "update_prefetch", ())}}
        self.fixed: dict[str, Any] = {
            name: bind.effective_value for name, bind in compiled.binds.items()
            if not bind.required and name not in self.defaults}
        for name, default in self.defaults.items():
            if not (default.is_scalar or default.is_callable):
                raise TypeError(f"default of {name} is neither a value nor a function")
        self.keys: tuple[str, ...] = tuple(c.keyname for c in compiled._result_columns)
        self.results: tuple[Callable[[Any], Any] | None, ...] = tuple(
            c.type._cached_result_processor(dialect, None) for c in compiled._result_columns)

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        if self.fixed:
            params = {**self.fixed, **params}
        if self.defaults:
            params = {**{name: default.arg if default.is_scalar else default.arg(None)
                         for name, default in self.defaults.items() if name not in params},
                      **params}
        missing = [name for name in self.names if name not in params]
        if missing:  # a programming error: a column with a Python-side default, say
            raise KeyError(f"no value for {', '.join(missing)} in {self.sql[:60]}…")
        return [params[name] if process is None else process(params[name])
                for name, process in zip(self.names, self.binds, strict=True)]


class _Statements:
    """Compiled statements of one dialect, each compiled once, and the statements that
    join a unit's inserts."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self._selects: dict[tuple[int, tuple[str, ...] | None], tuple[Any, _Compiled]] = {}
        self._together: dict[tuple[str, ...], str] = {}

    def statement(self, statement: Any, params: Mapping[str, Any] | None = None
                  ) -> _Compiled:
        """``statement`` compiled, once per statement object (and for an INSERT or UPDATE
        per set of columns given): the hot paths build theirs once; one built per call is
        compiled per call, and the cache is bounded."""
        columns = tuple(params) if params and isinstance(statement, UpdateBase) else None
        key = (id(statement), columns)
        found = self._selects.get(key)
        if found is None or found[0] is not statement:
            compiled = _Compiled(statement, self.dialect, columns)
            if "__[POSTCOMPILE_" in compiled.sql:
                raise TypeError("expanding parameters need a session, not the driver")
            if len(self._selects) >= _CACHED:
                del self._selects[next(iter(self._selects))]
            found = (statement, compiled)  # holding it keeps its ``id`` unique
            self._selects[key] = found
        return found[1]

    def together(self, parts: list[_Compiled], refs: tuple[_Refs, ...] = ()) -> str:
        """One statement of the inserts, their placeholders numbered on; a parameter in
        ``refs`` (by part, the parameter's position) reads what an earlier part returned."""
        key = (tuple(compiled.sql for compiled in parts), refs)  # the same strings: hashed once
        sql = self._together.get(key)
        if sql is None:
            offset, pieces = 0, []
            for i, compiled in enumerate(parts):
                taken = dict(refs[i]) if refs and refs[i] else {}
                numbers: dict[int, str] = {}
                for position in range(len(compiled.names)):
                    if position in taken:
                        part, column = taken[position]
                        numbers[position + 1] = f'(SELECT "{column}" FROM w{part})'
                    else:
                        offset += 1
                        numbers[position + 1] = f"${offset}"
                pieces.append(_PLACEHOLDER.sub(
                    lambda m, n=numbers: n[int(m.group(1))], compiled.sql))
            sql = pieces[-1] if len(pieces) == 1 else "WITH " + ", ".join(
                f"w{i} AS ({piece})" for i, piece in enumerate(pieces[:-1])) + " " + pieces[-1]
            if len(self._together) >= _CACHED:
                del self._together[next(iter(self._together))]
            self._together[key] = sql
        return sql


class _DriverUnit:
    """Statements on one pooled connection's driver, compiled once (PostgreSQL)."""

    postgres = True

    def __init__(self, db: Database, statements: _Statements) -> None:
        self._db = db
        self._statements = statements
        self._connection: Any = None
        self.info: dict[str, Any] = {}

    def get_bind(self) -> Any:  # what ``shared.db.is_sqlite`` asks a session
        return self._db.engine.sync_engine

    async def _driver(self) -> Any:
        if self._connection is None:
            self._connection = await self._db.engine.raw_connection()
        return self._connection.driver_connection

    async def _rows(self, statement: Any, params: Mapping[str, Any] | None
                    ) -> tuple[_Compiled, list[Any] | str]:
        """The records ``statement`` returns, or the driver's status of one that returns
        none ("UPDATE 3")."""
        compiled = self._statements.statement(statement, params)
        driver = await self._driver()
        arguments = compiled.arguments(params or {})
        try:
            if compiled.keys:
                return compiled, await driver.fetch(compiled.sql, *arguments)
            return compiled, await driver.execute(compiled.sql, *arguments)
        except Exception as exc:
            raise self._translated(exc) from exc

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]
                    ) -> list[dict[str, Any]]:
        """The rows of ``statement`` as dicts by result key."""
        compiled, records = await self._rows(statement, params)
        keys, results = compiled.keys, compiled.results
        return [{key: value if process is None else process(value)
                 for key, process, value in zip(keys, results, record, strict=True)}
                for record in records]

    def _translated(self, exc: Exception) -> Exception:
        """The driver's error as SQLAlchemy's (IntegrityError and the rest), so callers
        and the error handlers see what a session would have raised; a dropped connection
        is invalidated, not put back."""
        from sqlalchemy.exc import DBAPIError

        dialect = self._statements.dialect
        adapted = exc
        try:
            self._connection.dbapi_connection._handle_exception(exc)
        except Exception as translated:  # the adapter re-raises as its DB-API error
            adapted = translated
        disconnect = dialect.is_disconnect(adapted, self._connection, None)
        if disconnect:
            self._connection.invalidate(adapted)
        if isinstance(adapted, dialect.loaded_dbapi.Error):
            return DBAPIError.instance(None, None, adapted, dialect.loaded_dbapi.Error,
                                       connection_invalidated=disconnect)
        return adapted

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await greenlet_spawn(connection.close)



_Refs = tuple[tuple[int, tuple[int, str]], ...] | None


class Returned:
    """What an insert kept in a :class:`OneStatement` returns: known only once the
    statement ran, so it can only be a later insert's value there (its place in the
    statement reads it), never looked at in Python."""

    __slots__ = ("column", "part")

    def __init__(self, part: int, column: str) -> None:
        self.part, self.column = part, column

    def __bool__(self) -> bool:
        raise TypeError("a value the unit's statement returns is not known before it runs")

    __str__ = __int__ = __index__ = __hash__ = __bool__  # type: ignore[assignment]


class OneStatement(_DriverUnit):
    """The PostgreSQL unit of ``atomic``: reads at once on its connection, inserts at the
    end as one statement (module docstring)."""

    def __init__(self, db: Database, statements: _Statements) -> None:
        super().__init__(db, statements)
        self._inserts: list[tuple[Insert, dict[str, Any]]] = []

    async def execute(self, statement: Insert, params: Mapping[str, Any]) -> None:
        """Keep an INSERT of one row for the statement at the end."""
        if not isinstance(statement, Insert) or statement._returning:
            raise TypeError("a unit of one statement takes only inserts that return nothing")
        self._inserts.append((statement, dict(params)))

    async def scalar(self, statement: Insert, params: Mapping[str, Any]) -> Returned:
        """Keep an INSERT (or upsert) of one row ``RETURNING`` one column; the value, a
        :class:`Returned`, can be given to a later insert of the unit."""
        if not isinstance(statement, Insert) or len(statement._returning) != 1:
            raise TypeError("a unit of one statement returns one column of an insert")
        self._inserts.append((statement, dict(params)))
        compiled = self._statements.statement(statement, params)
        return Returned(len(self._inserts) - 1, compiled.keys[0])

    async def _send(self) -> None:
        """Every insert kept, as one statement."""
        if not self._inserts:
            return
        parts, arguments, refs = [], [], []
        for statement, row in self._inserts:
            compiled = self._statements.statement(statement, row)
            parts.append(compiled)
            returned = {name: value for name, value in row.items()
                        if type(value) is Returned}
            if not returned:
                arguments.extend(compiled.arguments(row))
                refs.append(None)
                continue
            values = compiled.arguments({**row, **dict.fromkeys(returned)})
            taken = tuple((position, (returned[name].part, returned[name].column))
                          for position, name in enumerate(compiled.names) if name in returned)
            skip = {position for position, _ in taken}
            arguments.extend(v for position, v in enumerate(values) if position not in skip)
            refs.append(taken)
        sql = self._statements.together(parts, tuple(refs) if any(refs) else ())
        driver = await self._driver()
        try:
            await driver.execute(sql, *arguments)
        except Exception as exc:
            raise self._translated(exc) from exc


def deferred(unit: Any) -> bool:
    """``unit`` sends its inserts together when its block ends (``atomic`` on PostgreSQL):
    an insert there cannot say whether it inserted, and one that conflicts fails the
    whole unit instead (``inserted`` inserts plainly there)."""
    return isinstance(unit, OneStatement)


async def inserted(unit: Any, table: Table, row: Mapping[str, Any], *,
                   key: tuple[str, ...]) -> bool:
    """Insert ``row`` unless ``table`` has a row of its ``key`` (also concurrently); True
    if it went in. One statement, ``INSERT … ON CONFLICT DO NOTHING RETURNING``, on both
    engines: the key decides, with no lookup before and no savepoint around it (issue 17).

    In a deferred unit a plain INSERT: a row already there fails the unit whole, and its
    caller applies the work again in a transaction, where the conflict clause decides
    (shared.consumer, ``inserts_only``)."""
    if deferred(unit):
        await unit.execute(_plain_insert(table), row)
        return True
    statement = _insert_unless_present(table, key, is_sqlite(unit))
    return (await unit.execute(statement, row)).first() is not None


@cache
def _plain_insert(table: Table) -> Insert:
    return insert(table)


@cache
def _insert_unless_present(table: Table, key: tuple[str, ...], sqlite: bool) -> Any:
    """The statement of ``inserted``, built once per table, key and engine."""
    dialect_insert = sqlite_insert if sqlite else pg_insert
    return (dialect_insert(table).on_conflict_do_nothing(index_elements=list(key))
            .returning(table.c[key[0]]))


class DriverResult:
    """What ``DriverTransaction.execute`` returns: the rows as tuples, in the small part
    of SQLAlchemy's ``Result`` that statement-only handlers use."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def all(self) -> list[tuple[Any, ...]]:
        return list(self._rows)


class DriverTransaction(_DriverUnit):
    """A transaction on the driver's connection for handlers that run Core statements
    only (``execute`` and ``scalar`` of a statement built once): each statement is one
    round trip with no SQLAlchemy execution around it (issue 17; ``transaction``)."""

    async def execute(self, statement: Any, params: Mapping[str, Any] | None = None
                      ) -> DriverResult:
        compiled, records = await self._rows(statement, params)
        if isinstance(records, str):  # a status such as "UPDATE 3"
            count = records.rsplit(" ", 1)[-1]
            return DriverResult([], int(count) if count.isdigit() else -1)
        results = compiled.results
        rows = [tuple(value if process is None else process(value)
                      for process, value in zip(results, record, strict=True))
                for record in records]
        return DriverResult(rows, len(rows))

    async def scalar(self, statement: Any, params: Mapping[str, Any] | None = None) -> Any:
        return (await self.execute(statement, params)).scalar()


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[Any]:
    """``db.statements_transaction()``: on PostgreSQL a :class:`DriverTransaction`,
    committed when the block ends and rolled back when it raises; elsewhere the session
    of ``db.transaction()``. After-commit hooks run once it committed."""
    if db.is_sqlite:
        async with db.transaction() as session:
            yield session
        return
    unit = DriverTransaction(db, _statements(db))
    try:
        driver = await unit._driver()
        began = driver.transaction()
        try:
            await began.start()
        except Exception as exc:
            raise unit._translated(exc) from exc
        try:
            yield unit
        except BaseException:
            with contextlib.suppress(Exception):  # a lost connection rolled back already
                await began.rollback()
            raise
        try:
            await began.commit()
        except Exception as exc:
            raise unit._translated(exc) from exc
    finally:
        await unit.close()
    committed(unit)


async def alone(db: Database, statement: Any, params: Mapping[str, Any]) -> int:
    """``db.alone(statement, params)``: one statement that commits by itself, its row
    count. On PostgreSQL it is sent on the driver's connection with no BEGIN and COMMIT
    (one round trip, e.g. the relay marking a batch sent); elsewhere in a transaction."""
    if db.is_sqlite:
        async with db.transaction() as session:
            return int((await session.execute(statement, params)).rowcount)
    unit = DriverTransaction(db, _statements(db))
    try:
        return (await unit.execute(statement, params)).rowcount
    finally:
        await unit.close()


def _statements(db: Database) -> _Statements:
    if db.compiled_statements is None:
        db.compiled_statements = _Statements(db.engine.dialect)
    return db.compiled_statements  # type: ignore[no-any-return]


@asynccontextmanager
async def atomic(db: Database) -> AsyncIterator[OneStatement | SessionUnit]:
    """``db.atomic()`` (module docstring)."""
    if db.is_sqlite:
        async with db.transaction() as session:
            yield SessionUnit(session)
        return
    unit = OneStatement(db, _statements(db))
    try:
        yield unit
        await unit._send()
    finally:
        await unit.close()
    committed(unit)


class SessionUnit:
    """The unit on SQLite: the transaction's session, with ``fetch`` beside it."""

    postgres = False

    def __init__(self, session: Any) -> None:
        self.session = session
        self.info = session.info

    async def fetch(self, statement: Select[Any], params: Mapping[str, Any]
                    ) -> list[dict[str, Any]]:
        return [dict(row) for row in (await self.session.execute(statement, params))
                .mappings()]

    async def execute(self, statement: Insert, params: Mapping[str, Any]) -> Any:
        return await self.session.execute(statement, params)
