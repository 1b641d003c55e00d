"""SPEC C8: case numbers YYMMNN, serial per month, widening past 99, unique under concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.complaints.app import create_app
from services.complaints.models import CaseCounter
from shared.clock import FixedClock
from tests.helpers import running

from ..support import FILING, SALES, watchers_by_hand

pytestmark = pytest.mark.integration

NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


async def test_c8_fifty_concurrent_filings_get_fifty_consecutive_numbers(ns) -> None:
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        replies = await asyncio.gather(
            *(client.post("/complaints", json=FILING, headers=SALES) for _ in range(50))
        )
        assert {r.status_code for r in replies} == {201}
        numbers = sorted(r.json()["case_no"] for r in replies)
        assert numbers == [f"2611{n:02d}" for n in range(1, 51)]


async def test_c8_serial_widens_past_99_and_restarts_next_month(ns) -> None:
    clock = FixedClock(NOV)
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)
    async with running(app) as client:
        first = await client.post("/complaints", json=FILING, headers=SALES)
        assert first.json()["case_no"] == "261101"
        async with app.state.runtime.db.transaction() as session:
            await session.execute(update(CaseCounter).values(last_serial=99))
        widened = await client.post("/complaints", json=FILING, headers=SALES)
        assert widened.json()["case_no"] == "2611100"
        clock.advance(timedelta(days=20))  # December (Asia/Shanghai)
        december = await client.post("/complaints", json=FILING, headers=SALES)
        assert december.json()["case_no"] == "261201"


async def test_c8_rejected_filing_uses_no_number(ns) -> None:
    app = create_app(ns.settings("complaints"), clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        bad = await client.post("/complaints", json={**FILING, "order_no": None}, headers=SALES)
        assert bad.status_code == 422 and bad.json()["rule"] == "C9.1"
        good = await client.post("/complaints", json=FILING, headers=SALES)
        assert good.json()["case_no"] == "261101"


async def test_c8_concurrent_numbers_on_sqlite_too(ns) -> None:
    settings = ns.settings("complaints", database_url=f"sqlite:///{ns.tmp}/complaints.db")
    app = create_app(settings, clock=FixedClock(NOV))
    watchers_by_hand(app)
    async with running(app) as client:
        replies = await asyncio.gather(
            *(client.post("/complaints", json=FILING, headers=SALES) for _ in range(20))
        )
        assert {r.status_code for r in replies} == {201}, [r.text for r in replies][:3]
        assert sorted(r.json()["case_no"] for r in replies) == [
            f"2611{n:02d}" for n in range(1, 21)
        ]
