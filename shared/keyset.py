"""Keyset paging of a list in SQL (CONTRACT "Lists"; the routes cut pages with ``shared.paging``).

A list ordered by a time that is not unique is made a total order by its document number
as the last sort column; the cursor is the document number of the previous page's last
row, whose own sort values this module looks up (404 naming ``after`` when it is unknown
or outside what the caller may list). A list ordered by a unique key alone pages on that
key directly: any value is a position, so no look-up is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.rules import NotFound

M = TypeVar("M")
CURSOR = "after"  # the query parameter naming the previous page's last document


async def mark_of(session: AsyncSession, model: type[M], after: str | None, *, what: str,
                  visible: Callable[[M], bool] = lambda _row: True) -> M | None:
    """The cursor's row, or None when there is no cursor; 404 naming ``after`` when it is
    unknown or not one the caller may list (never a 500, never another branch's row)."""
    if after is None:
        return None
    row = await session.get(model, after)
    if row is None or not visible(row):
        raise NotFound(f"no {what} {after} in this list", field=CURSOR)
    return row


def after_mark(query: Select[Any], *, order: InstrumentedAttribute[Any],
               key: InstrumentedAttribute[Any], mark: object | None,
               limit: int | None) -> Select[Any]:
    """``query`` ordered by ``(order, key)`` from after ``mark``, at most ``limit`` rows
    (all when None); CONTRACT "Lists"."""
    if mark is not None:
        query = query.where(tuple_(order, key) > tuple_(
            literal(getattr(mark, order.key), order.type),
            literal(getattr(mark, key.key), key.type)))
    query = query.order_by(order, key)
    return query.limit(limit) if limit is not None else query


def after_key(query: Select[Any], *, key: InstrumentedAttribute[Any], after: Any,
              limit: int | None, descending: bool = False) -> Select[Any]:
    """``query`` ordered by the unique ``key`` from after ``after`` (no cursor: None),
    at most ``limit`` rows (all when None); CONTRACT "Lists"."""
    if after is not None:
        query = query.where(key < after if descending else key > after)
    query = query.order_by(key.desc() if descending else key)
    return query.limit(limit) if limit is not None else query
