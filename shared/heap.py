"""The garbage collector settled once a service has started (issue 17).

A started service holds a few hundred thousand long-lived objects (modules, SQLAlchemy
mappers and compiled statements, FastAPI routes, pydantic validators, the calendar), and
CPython's full collection walks all of them: measured at 70–125 ms on this machine kind,
every few hundred requests, as a pause on whatever request is running (the board's p99
at volume was 100 ms against a p50 of 9–15 ms, and went with the collector disabled).

``gc.freeze()`` after start-up moves those objects to a permanent generation that
collections skip (CPython's documented use; Instagram's pre-fork servers), so a full
collection walks only what requests made since. Nothing is disabled: cycles made after
start-up are still collected.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect what start-up left behind, then exempt the survivors from later collections."""
    gc.collect()
    gc.freeze()
