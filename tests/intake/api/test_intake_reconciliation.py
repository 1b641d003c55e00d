"""Morning reconciliation (SPEC S18) on real NATS and PostgreSQL: the watcher at the
branch's first working moment, the clerk's explicit run, and the board's priority."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from tests.helpers import eventually, running, token
from tests.intake.support import (
    CLERK,
    SUPERVISOR,
    at,
    customer_with_product,
    stream_of,
)

pytestmark = pytest.mark.integration

WATCHER = "morning-reconciliation"


async def test_s18_watcher_flags_yesterdays_undispatched_calls_at_opening(ns) -> None:
    clock = FixedClock(at("2026-03-16T10:00:00+08:00"))  # Monday
    async with AsyncExitStack() as stack:
        app = intake_app(ns.settings("intake"), clock=clock)
        intake = await stack.enter_async_context(running(app))
        dispatch = await stack.enter_async_context(
            running(dispatch_app(ns.settings("dispatch"), clock=clock)))
        stream = await stack.enter_async_context(stream_of(ns))
        customer_id, product_id = await customer_with_product(intake)
        calls = []
        for _ in range(3):
            r = await intake.post("/calls", json={"customer_id": customer_id,
                                                  "product_id": product_id, "symptom": "x"},
                                  headers=CLERK)
            calls.append(r.json())
        waiting, dispatched, cancelled = calls

        async def on_board() -> bool:
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return len(r.json()) == 3

        await eventually(on_board)
        await dispatch.post(f"/vouchers/{dispatched['voucher_no']}/assign",
                            json={"technician_id": "T01"}, headers=SUPERVISOR)
        await intake.post(f"/calls/{cancelled['id']}/cancel", json={"reason": "dup"},
                          headers=CLERK)

        async def intake_knows() -> bool:
            r = await intake.get(f"/calls/{dispatched['id']}", headers=CLERK)
            return r.json()["status"] == "dispatched"

        await eventually(intake_knows)

        clock.advance(timedelta(hours=23))  # Tuesday 09:00, the branch opens
        app.state.runtime.watchers[WATCHER].wake()

        async def flagged() -> dict | None:
            r = await intake.get(f"/calls/{waiting['id']}", headers=CLERK)
            return r.json() if r.json()["priority"] else None

        body = await eventually(flagged)
        assert "2026-03-16" in body["priority_reason"]
        events = await stream.wait_for("intake.call.prioritised.v1")
        assert [e["call_id"] for e in events] == [waiting["id"]]

        async def on_top() -> list | None:
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            lines = r.json()
            return lines if lines and lines[0]["priority"] else None

        board = await eventually(on_top)
        assert board[0]["voucher_no"] == waiting["voucher_no"]
        assert [v["voucher_no"] for v in board] == [waiting["voucher_no"],
                                                   dispatched["voucher_no"]]


async def test_s18_clerk_reconciles_explicitly_and_the_watcher_does_not_repeat_it(ns) -> None:
    clock = FixedClock(at("2026-03-16T17:30:00+08:00"))  # Monday, registered that day
    app = intake_app(ns.settings("intake"), clock=clock)
    async with running(app) as intake, stream_of(ns) as stream:
        customer_id, product_id = await customer_with_product(intake)
        r = await intake.post("/calls", json={
            "customer_id": customer_id, "product_id": product_id, "symptom": "x",
            "channel": "document"}, headers=CLERK)
        call = r.json()
        assert not call["priority"]  # S18: on its own day it is not late yet
        clock.advance(timedelta(hours=15))  # Tuesday 08:30, before opening
        params = {"branch": "SC01", "date": "2026-03-17"}
        r = await intake.post("/reconciliation", params=params, headers=CLERK)
        assert r.status_code == 200, r.text
        assert [f["call_id"] for f in r.json()["flagged"]] == [call["id"]]
        again = await intake.post("/reconciliation", params=params, headers=CLERK)
        assert again.json()["flagged"] == []
        assert [f["call_id"] for f in again.json()["priority_calls"]] == [call["id"]]

        ahead = await intake.post("/reconciliation", params={**params, "date": "2026-03-18"},
                                  headers=CLERK)
        assert ahead.status_code == 422 and ahead.json()["rule"] == "S18"
        wrong_role = await intake.post("/reconciliation", params=params,
                                       headers=token("supervisor", "S01"))
        assert wrong_role.status_code == 403
        # A clerk's token names the branch; another branch, known or not, is not theirs.
        unknown = await intake.post("/reconciliation", params={**params, "branch": "XX"},
                                    headers=CLERK)
        assert unknown.status_code == 403 and "branch" in unknown.json()["detail"]

        clock.advance(timedelta(minutes=30))  # 09:00: the watcher's turn, already done
        await app.state.runtime.watchers[WATCHER].tick()
        runs = await intake.get("/admin/audit/register/SC01:2026-03-17",
                                headers=token("admin", "root", None))
        assert [a["by"] for a in runs.json()] == ["C01", "C01"]
        assert [len(a["detail"]["flagged"]) for a in runs.json()] == [1, 0]
        await stream.wait_for("intake.call.prioritised.v1", call_id=call["id"])
        assert len(await stream.events("intake.call.prioritised.v1")) == 1
