"""Pages of a list (CONTRACT "Lists"): ``limit`` (default 100, at most 1000) and, when
there is more, a ``Link: <…>; rel="next"`` header; the body stays a JSON list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]


def link_next(request: Request, response: Response, *, cursor: str, value: int) -> None:
    """Point ``Link: rel="next"`` at the same query with ``cursor=value``."""
    url = request.url.include_query_params(**{cursor: value})
    response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
