"""SPEC Q25/Q23 over HTTP: the customer opens the one-time link on a phone, submits the
form, the technician's month moves; a used, expired or forged link is refused clearly."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from tests.helpers import eventually, token
from tests.survey.support import (
    DEPT,
    FORM,
    Survey,
    cancelled,
    registered,
    sent_cards,
    survey_app,
)

pytestmark = pytest.mark.integration

T01 = token("technician", "T01")


async def _scores(s: Survey) -> dict:
    r = await s.client.get("/technicians/T01/scores", params={"month": "2026-03"}, headers=T01)
    assert r.status_code == 200, r.text
    return r.json()


async def test_q25_link_page_is_served_and_submitted_over_http(ns) -> None:
    async with survey_app(ns, now=datetime.fromisoformat("2026-03-13T08:00:00+08:00")) as s:
        first, second, third = await sent_cards(s, 3)
        link = first["link"]
        # The third call is cancelled after its card went out: its link is withdrawn.
        await s.publish(cancelled(third["call_id"]))

        async def withdrawn():
            r = await s.client.get(third["link"])
            return r if r.status_code == 410 else None

        assert "cancelled" in (await eventually(withdrawn)).text
        before = await _scores(s)
        assert (before["answered"], before["sent"], before["overall"]) == (0, 2, None)

        page = await s.client.get(link)  # no login
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert 'name="viewport"' in page.text and '<form method="post"' in page.text
        names = set(re.findall(r'name="([a-z_]+)"', page.text))
        assert {"attitude", "skill", "arrival", "follow_through", "comment",
                "complaint_kind", "complaint_severity", "complaint_text"} <= names
        assert first["voucher_no"] in page.text and "Technician Li (T01)" in page.text
        assert page.headers["cache-control"] == "no-store"

        form = {"attitude": "4", "skill": "3", "arrival": "5", "follow_through": "4",
                "comment": "quick & tidy", "complaint_text": ""}
        bad = await s.client.post(link, data=form, headers={"content-type": FORM})
        assert bad.status_code == 422 and "arrival" in bad.text and "1..4" in bad.text
        assert 'value="4" required checked' in bad.text  # the choices are kept
        assert (await s.card(first["id"]))["status"] == "sent"  # nothing recorded

        form["arrival"] = "2"
        done = await s.client.post(link, data=form, headers={"content-type": FORM})
        assert done.status_code == 200 and "Thank you" in done.text

        answered = await s.card(first["id"])
        assert answered["status"] == "answered" and answered["answered_via"] == "link"
        assert (answered["attitude"], answered["skill"], answered["arrival"],
                answered["follow_through"]) == (4, 3, 2, 4)
        assert answered["comment"] == "quick & tidy" and answered["link"] is None

        after = await _scores(s)
        assert after == {"technician_id": "T01", "month": "2026-03", "attitude": 4.0,
                         "skill": 3.0, "arrival": 2.0, "follow_through": 4.0,
                         "overall": 3.25, "answered": 1, "sent": 2}

        # Usable once: the same link is refused, readably, on GET and POST.
        used = await s.client.get(link)
        assert used.status_code == 410 and "already been answered" in used.text
        again = await s.client.post(link, data=form, headers={"content-type": FORM})
        assert again.status_code == 410 and "<html" in again.text
        assert (await _scores(s))["answered"] == 1

        # A forged or altered link is not ours.
        token_part = link.removeprefix("/s/")
        forged = f"/s/{second['id']}.{token_part.split('.', 1)[1]}"
        r = await s.client.get(forged)
        assert r.status_code == 403 and "not valid" in r.text
        assert (await s.client.get("/s/garbage")).status_code == 403

        # [choice] 14 days: the second card's link has expired by then.
        s.clock.advance(timedelta(days=14))
        expired = await s.client.get(second["link"])
        assert expired.status_code == 410 and "expired" in expired.text
        late = await s.client.post(second["link"], data=form, headers={"content-type": FORM})
        assert late.status_code == 410
        assert (await s.card(second["id"]))["status"] == "sent"


async def test_q25_link_life_and_send_time_are_configurable(ns) -> None:
    from datetime import time

    async with survey_app(ns, now=datetime.fromisoformat("2026-03-13T08:00:00+08:00"),
                          survey_link_ttl_days=2, survey_send_at=time(8, 30)) as s:
        await s.publish(registered(1, "2026-03-13T11:00:00+08:00"))

        async def ready() -> list[dict] | None:
            return await s.cards("2026-03-13") or None

        [card] = await eventually(ready)
        await s.send_cards_at(datetime.fromisoformat("2026-03-14T08:29:00+08:00"))
        assert (await s.card(card["id"]))["status"] == "pending"  # not yet 08:30
        await s.send_cards_at(datetime.fromisoformat("2026-03-14T08:30:00+08:00"))
        detail = await s.card(card["id"])
        assert detail["status"] == "sent"
        sent_at = datetime.fromisoformat(detail["sent_at"].replace("Z", "+00:00"))
        expires = datetime.fromisoformat(detail["link_expires_at"].replace("Z", "+00:00"))
        assert expires - sent_at == timedelta(days=2)


async def test_q25_link_complaint_becomes_an_event(ns) -> None:
    from shared.events.survey import SurveyComplaintRaised

    async with survey_app(ns, now=datetime.fromisoformat("2026-03-13T08:00:00+08:00")) as s:
        (card,) = await sent_cards(s, 1)
        form = {"attitude": "1", "skill": "2", "arrival": "1", "follow_through": "1",
                "complaint_kind": "complaint", "complaint_severity": "loud",
                "complaint_text": "came two days late"}
        bad = await s.client.post(card["link"], data=form, headers={"content-type": FORM})
        assert bad.status_code == 422 and "complaint_severity" in bad.text
        form["complaint_severity"] = "serious"
        ok = await s.client.post(card["link"], data=form, headers={"content-type": FORM})
        assert ok.status_code == 200
        # SPEC Q26: the service department triages it; only then is it raised.
        assert (await s.card(card["id"]))["complaint"]["status"] == "awaiting_triage"
        r = await s.client.post(f"/survey-cards/{card['id']}/triage",
                                json={"severity": "serious"}, headers=DEPT)
        assert r.status_code == 200, r.text

        async def raised() -> list[dict]:
            return await s.published(SurveyComplaintRaised)

        (event,) = await eventually(raised)
        assert (event["card_id"], event["severity"], event["text"], event["answered_via"]) == (
            card["id"], "serious", "came two days late", "link")
        assert event["technician_id"] == "T01" and event["customer_name"] == "Wu Mei"
