"""The service department's day of survey cards in the browser (SPEC Q24)."""

from __future__ import annotations

import pytest

from services.survey.app import create_app
from shared.web.accounts import DEFAULT_FILE
from tests.helpers import running, token

pytestmark = pytest.mark.integration


async def test_the_day_of_cards_needs_a_session_and_renders_in_three_languages(ns) -> None:
    settings = ns.settings("survey", accounts_file=DEFAULT_FILE, cookie_secure=False)
    async with running(create_app(settings)) as survey:
        assert (await survey.get("/")).status_code == 303
        sign = await survey.post("/login", data={"user": "D01", "password": "demo"})
        assert sign.status_code == 303
        page = await survey.get("/?date=2026-03-13", cookies=sign.cookies)
        assert page.status_code == 200 and "客户意见调查卡" in page.text
        hant = await survey.get("/?date=2026-03-13&lang=zh-Hant", cookies=sign.cookies)
        assert "客戶意見調查卡" in hant.text
        en = await survey.get("/?date=2026-03-13&lang=en",
                              headers=token("service_dept", "D01", None))
        assert "Survey cards" in en.text
        clerk = await survey.get("/", headers=token("clerk", "C01"))
        assert clerk.status_code == 403 and "<html" in clerk.text
