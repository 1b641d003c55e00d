"""Business gauges on /metrics (issue 16 Deliver 5): open vouchers and overdue arrivals in
dispatch, open cases past their step deadline in complaints, read from a running service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.complaints.app import create_app as complaints_app
from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import Voucher
from shared.clock import FixedClock

from ..complaints.support import file, watchers_by_hand
from ..helpers import running

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.integration


def business(text: str) -> dict[str, float]:
    """The ``aftersales_business`` samples of a scrape, by gauge name."""
    return {s.labels["name"]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == "aftersales_business"}


def voucher(no: str, *, status: str, due: timedelta, arrived: bool = False) -> Voucher:
    return Voucher(
        voucher_no=no, kind="call", branch="SC01", category="A", sla_class="urban",
        customer_name="Wu Mei", district="Xuhui", model="TV-55Q", symptom="no picture",
        received_at=NOW - timedelta(hours=6), arrival_due_at=NOW + due,
        arrived_at=NOW - timedelta(hours=1) if arrived else None, status=status,
        created_at=NOW - timedelta(hours=6),
    )


async def test_dispatch_counts_open_vouchers_and_overdue_arrivals(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOW))
    async with running(app) as dispatch:
        async with app.state.runtime.db.transaction() as session:
            session.add_all([
                voucher("V-1", status="waiting", due=-timedelta(minutes=1)),   # overdue
                voucher("V-2", status="assigned", due=-timedelta(hours=2)),    # overdue
                voucher("V-3", status="assigned", due=timedelta(hours=3)),     # in time
                voucher("V-4", status="on_site", due=-timedelta(hours=2), arrived=True),
                voucher("V-5", status="completed", due=-timedelta(days=2), arrived=True),
                voucher("V-6", status="cancelled", due=-timedelta(days=1)),
            ])
        scrape = await dispatch.get("/metrics")
    assert scrape.status_code == 200
    gauges = business(scrape.text)
    assert gauges == {"open_vouchers": 4.0, "overdue_arrivals": 2.0}


async def test_complaints_counts_open_cases_past_their_step_deadline(ns) -> None:
    clock = FixedClock(NOW)
    app = complaints_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)  # the reminder slips are not what is measured here
    runtime = app.state.runtime
    async with running(app) as complaints:
        case = await file(complaints)
        assert case["step_due_at"] is not None, case
        first = business((await complaints.get("/metrics")).text)
        assert first == {"open_cases_past_step_deadline": 0.0}

        clock.advance(timedelta(days=60))  # far past any step deadline of C9.4
        await file(complaints)  # filed now: its first step is not due yet
        await runtime.metrics.refresh(runtime, force=True)  # past the 5 s scrape cache
        later = business((await complaints.get("/metrics")).text)
    assert later == {"open_cases_past_step_deadline": 1.0}
