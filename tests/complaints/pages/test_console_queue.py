"""The head-office work queue (issue 14): the steps waiting for the signed-in role, overdue
first, with counts; a role lands on it after signing in; the till is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from tests.complaints.support import (
    GM_OFFICE,
    QA,
    SALES_MANAGER,
    VICE_GM,
    file,
    step,
    walk_to_approval,
    watchers_by_hand,
)
from tests.helpers import running, token

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _queued(html: str) -> list[str]:
    return re.findall(r'<tr data-case="(\d+)" data-step="[a-z_]+"', html)


async def test_the_queue_lists_the_roles_steps_overdue_first_with_counts(ns) -> None:
    clock = FixedClock(T0)
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)
    async with running(app) as client:
        first = (await file(client))["case_no"]
        clock.advance(timedelta(hours=20))  # registration is half a day: the first is late
        second = (await file(client))["case_no"]
        page = await client.get("/queue?lang=en", headers=GM_OFFICE)
        assert page.status_code == 200, page.text
        assert _queued(page.text) == [first, second]
        assert 'data-waiting="2" data-overdue="1"' in page.text
        assert re.search(rf'data-case="{first}" data-step="registration" data-overdue', page.text)

        # registered in the other order, QA's queue runs by deadline, not by case number
        await step(client, second, "registration", GM_OFFICE)
        clock.advance(timedelta(hours=1))
        await step(client, first, "registration", GM_OFFICE)
        page = await client.get("/queue?lang=en", headers=GM_OFFICE)
        assert _queued(page.text) == [] and 'data-waiting="0"' in page.text
        qa = await client.get("/queue?lang=en", headers=QA)
        assert _queued(qa.text) == [second, first] and 'data-overdue="0"' in qa.text
        clock.advance(timedelta(days=30))  # both steps and cases are late now
        qa = await client.get("/queue?lang=en", headers=QA)
        assert 'data-waiting="2" data-overdue="2"' in qa.text
        assert _queued((await client.get("/queue", headers=VICE_GM)).text) == []

        refused = await client.get("/queue", headers=token("pos", "POS1"))
        assert refused.status_code == 403


async def test_c9_4_the_approval_waits_for_the_approver_the_amount_needs(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        small = (await file(client))["case_no"]
        await walk_to_approval(client, small, amount="3000.00")
        large = (await file(client))["case_no"]
        await walk_to_approval(client, large, amount="20000.00")
        manager = await client.get("/queue?lang=en", headers=SALES_MANAGER)
        assert _queued(manager.text) == [small]
        vice = await client.get("/queue?lang=en", headers=VICE_GM)
        # a higher authority may approve a lower amount (C9.4 higher_may_approve)
        assert sorted(_queued(vice.text)) == sorted([small, large])


async def test_head_office_roles_land_on_their_queue(ns) -> None:
    settings = ns.settings("complaints", accounts_file=DEFAULT_FILE, cookie_secure=False)
    async with running(create_app(settings)) as client:
        for user in ("G01", "Q01", "GM01", "U01"):
            signed = await client.post("/login", data={"user": user, "password": "demo",
                                                       "next": "/"})
            assert signed.status_code == 303
            assert signed.headers["location"] == "/queue", signed.headers
        page = await client.get("/queue?lang=en")
        assert page.status_code == 200 and "Complaints" in page.text
