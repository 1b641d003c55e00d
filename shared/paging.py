"""Pages of a list (CONTRACT "Lists"): ``limit`` (default 100, at most 1000) and, when
there is more, a ``Link: <…>; rel="next"`` header; the body stays a JSON list.

Every list endpoint of every service pages this way: the use case reads ``limit + 1``
rows in SQL after a keyset cursor (the last row's key of the page before, never an
offset), and the route cuts the page with :func:`page` and links the next one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Query, Request, Response

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]


def link_next(request: Request, response: Response, *, cursor: str,
              value: int | str) -> None:
    """Point ``Link: rel="next"`` at the same query with ``cursor=value``."""
    url = request.url.include_query_params(**{cursor: value})
    response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'


def page(request: Request, response: Response, rows: list[T], *, limit: int, cursor: str,
         key: Callable[[T], int | str]) -> list[T]:
    """The first ``limit`` of ``rows`` (read as ``limit + 1``); when there were more, a
    ``Link: rel="next"`` with ``cursor`` set to the last shown row's ``key``."""
    if len(rows) <= limit:
        return rows
    shown = rows[:limit]
    link_next(request, response, cursor=cursor, value=key(shown[-1]))
    return shown
