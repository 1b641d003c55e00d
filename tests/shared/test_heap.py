"""A started service settles its heap (issue 17): what start-up leaves alive is frozen out
of later collections, while garbage made before and after is still collected."""

from __future__ import annotations

import gc
import weakref

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared import heap

from ..helpers import running


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settle_collects_start_up_garbage_and_freezes_the_survivors() -> None:
    gc.unfreeze()
    try:
        garbage, kept = _Node(), _Node()
        gone = weakref.ref(garbage)
        del garbage
        heap.settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # frozen: skipped by collections
        later = _Node()
        later_ref = weakref.ref(later)
        del later
        gc.collect()
        assert later_ref() is None  # cycles made after start-up are still collected
    finally:
        gc.unfreeze()


@pytest.mark.integration
async def test_a_started_service_has_settled_its_heap(ns) -> None:
    gc.unfreeze()
    try:
        async with running(dispatch_app(ns.settings("dispatch"))) as dispatch:
            assert (await dispatch.get("/livez")).status_code == 200
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
