"""The service department's survey page in the browser's place: the day of survey
cards (SPEC Q24) and the complaints awaiting its triage, triaged from a form (Q26)."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.survey.app import create_app
from shared.events.survey import SurveyComplaintRaised
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.helpers import eventually, running, token
from tests.survey.support import DEPT, registered, survey_app

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")


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


async def _sign_in(s, user: str = "D01") -> str:
    """Sign ``user`` in (the client keeps the session cookie); the session's CSRF token."""
    r = await s.client.post("/login", data={"user": user, "password": "demo", "next": "/"})
    assert r.status_code == 303, r.text
    return s.rt.sessions.read(r.cookies[COOKIE]).csrf


async def test_q26_the_service_department_triages_from_its_page_in_three_languages(ns) -> None:
    async with survey_app(ns, now=FRIDAY, accounts_file=DEFAULT_FILE,
                          cookie_secure=False) as s:
        await s.publish(registered(1, "2026-03-13T10:00:00+08:00"))

        async def ready() -> list[dict] | None:
            return await s.cards("2026-03-13") or None

        (card,) = await eventually(ready)
        r = await s.client.post(f"/survey-cards/{card['id']}/answers", headers=DEPT, json={
            "attitude": 2, "skill": 2, "arrival": 1, "follow_through": 2,
            "complaint": {"severity": "general", "text": "the repair failed again"}})
        assert r.status_code == 201, r.text
        csrf = await _sign_in(s)

        page = await s.client.get("/?date=2026-03-13&lang=en")
        assert page.status_code == 200
        assert "Complaints awaiting triage" in page.text
        assert f'data-triage="{card["id"]}"' in page.text
        assert "the repair failed again" in page.text
        assert 'data-customer-severity="general"' in page.text
        assert f'action="/triage/{card["id"]}"' in page.text
        hans = await s.client.get("/?date=2026-03-13&lang=zh-Hans")
        assert "待判定的抱怨" in hans.text and "情节重大" in hans.text
        hant = await s.client.get("/?date=2026-03-13&lang=zh-Hant")
        assert "待判定的抱怨" in hant.text and "情節重大" in hant.text

        url = f"/triage/{card['id']}"
        assert (await s.client.post(url, data={"severity": "serious"})).status_code == 403
        refused = await s.client.post(url + "?lang=en",
                                      data={"severity": "serious", "csrf_token": csrf})
        assert refused.status_code == 422 and 'role="alert"' in refused.text
        assert "needs a reason" in refused.text
        assert await s.published(SurveyComplaintRaised) == []

        done = await s.client.post(url, data={"severity": "serious", "csrf_token": csrf,
                                              "reason": "second failure of the same repair"})
        assert done.status_code == 303 and done.headers["location"] == "/"
        (event,) = await eventually(lambda: s.published(SurveyComplaintRaised))
        assert (event["severity"], event["customer_severity"], event["triaged_by"]) == (
            "serious", "general", "D01")
        after = await s.client.get("/?date=2026-03-13&lang=en")
        assert f'data-triage="{card["id"]}"' not in after.text
        assert "No complaint awaits triage." in after.text
        assert 'data-complaint="raised"' in after.text

        # A branch supervisor sees the day's cards but neither the queue nor the form.
        sup = await s.client.get("/?date=2026-03-13&lang=en",
                                 headers=token("supervisor", "S01"))
        assert sup.status_code == 200 and "Complaints awaiting triage" not in sup.text
        r = await s.client.post(url, data={"severity": "general"},
                                headers=token("supervisor", "S01"))
        assert r.status_code == 403
