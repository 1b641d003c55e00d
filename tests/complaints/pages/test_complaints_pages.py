"""Head office's complaint pages: the register (a case off one's route is not listed) and a
case with its step form, back-dated entries (CT1) and the approval (C9.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.complaints.support import (
    FILING,
    GM,
    GM_OFFICE,
    SALES,
    file,
    step,
    walk_to_approval,
)
from tests.helpers import running, token

pytestmark = pytest.mark.integration


async def test_the_register_lists_the_cases_the_role_may_read(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as complaints:
        filed = await complaints.post("/complaints", json=FILING, headers=SALES)
        assert filed.status_code == 201, filed.text
        case_no = filed.json()["case_no"]
        page = await complaints.get("/", headers=token("gm_office", "G01", None))
        assert page.status_code == 200 and f'data-case="{case_no}"' in page.text
        assert "客户抱怨案件登记追踪表" in page.text
        off_route = await complaints.get("/?lang=en", headers=token("technician", "T01"))
        assert off_route.status_code == 200 and case_no not in off_route.text
        assert "Complaint register" in off_route.text


T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


async def test_ct1_c9_4_the_case_page_takes_a_back_dated_step_and_shows_the_approval(
    ns,
) -> None:
    clock = FixedClock(T0)
    settings = ns.settings("complaints", accounts_file=DEFAULT_FILE, cookie_secure=False)
    app = create_app(settings, clock=clock)
    async with running(app) as client:
        case_no = (await file(client))["case_no"]
        clock.advance(timedelta(days=1))
        sign = await client.post("/login", data={"user": "G01", "password": "demo",
                                                 "next": "/"})
        assert sign.status_code == 303
        csrf = app.state.runtime.sessions.read(sign.cookies[COOKIE]).csrf
        page = await client.get(f"/cases/{case_no}?lang=en")
        assert page.status_code == 200 and 'id="step-form"' in page.text
        assert 'name="backdate_reason"' in page.text and 'name="at"' in page.text
        url = f"/cases/{case_no}/steps/registration"
        refused = await client.post(url + "?lang=en", data={
            "at": "2026-11-02T11:00", "csrf_token": csrf})
        assert refused.status_code == 422 and "backdate_reason" in refused.text
        done = await client.post(url, data={"at": "2026-11-02T11:00", "csrf_token": csrf,
                                            "backdate_reason": "paper register"})
        assert done.status_code == 303
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        assert case["timeline"][0]["at"].startswith("2026-11-02T03:00")  # 11:00 local
        assert case["timeline"][0]["backdated"] is True
        page = await client.get(f"/cases/{case_no}?lang=zh-Hant")
        assert 'data-step="registration" data-backdated' in page.text
        assert "補登" in page.text and "<td>登記</td>" in page.text  # the step by its name

        other = (await file(client))["case_no"]
        await walk_to_approval(client, other, amount="1000.00")
        await step(client, other, "approval", GM, approved=True)
        page = await client.get(f"/cases/{other}?lang=en")
        assert "data-approved" in page.text and "E-GM" in page.text
        assert 'id="step-form"' not in page.text  # execution is sales' step
