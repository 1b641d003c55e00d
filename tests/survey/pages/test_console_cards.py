"""The service department's survey cards in the browser's place (issue 14 deliver 3):
the day's cards with date and branch pickers (SPEC Q24), one card's page, and a paper
answer keyed in from the card's form through the use case of
``POST /survey-cards/{id}/answers`` (Q25), a complaint on it then awaiting triage (Q26)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from services.survey.models import SurveyCard
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.helpers import eventually, token
from tests.survey.support import (
    DEPT,
    Survey,
    assigned,
    count_audit,
    registered,
    sent_cards,
    survey_app,
)

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
ADMIN = token("admin", "AD01", None)


async def _sign_in(s: Survey, user: str = "D01") -> str:
    """Sign ``user`` in (the client keeps the session cookie); the session's CSRF token."""
    r = await s.client.post("/login", data={"user": user, "password": "demo", "next": "/"})
    assert r.status_code == 303, r.text
    return s.rt.sessions.read(r.cookies[COOKIE]).csrf


async def test_q24_the_days_cards_by_date_and_branch_with_status_technician_voucher(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        await s.publish(registered(1, "2026-03-13T10:00:00+08:00", customer="Wu Mei"))
        await s.publish(assigned(1, "T02", "2026-03-13T10:05:00+08:00"))
        await s.publish(registered(2, "2026-03-13T11:00:00+08:00", customer="Qian Bo"))
        await s.publish(registered(3, "2026-03-12T11:00:00+08:00", customer="Yesterday"))
        await s.publish(registered(4, "2026-03-13T12:00:00+08:00", branch="SC02",
                                   customer="Elsewhere"))

        async def ready() -> bool:
            here = await s.cards("2026-03-13")
            there = await s.cards("2026-03-13", branch="SC02")
            return (len(here) == 2 and any(c["technician_id"] == "T02" for c in here)
                    and len(there) == 1)

        await eventually(ready)
        page = await s.client.get("/?date=2026-03-13&lang=en", headers=DEPT)
        assert page.status_code == 200
        # Head office without a branch: every branch's cards of the day, and the picker.
        assert 'name="branch"' in page.text and "V000004" in page.text
        assert "V000003" not in page.text  # another day
        assert 'data-technician="T02"' in page.text and "Technician Zhang" in page.text
        assert 'data-status="pending"' in page.text
        assert "3 cards: 3 pending, 0 sent, 0 answered, 0 cancelled" in page.text

        picked = await s.client.get("/?date=2026-03-13&branch=SC01&lang=en", headers=ADMIN)
        assert picked.status_code == 200
        assert "V000001" in picked.text and "V000004" not in picked.text
        assert '<option value="SC01" selected>' in picked.text

        # A branch supervisor sees their own branch, no picker, and may not ask for another.
        sup = await s.client.get("/?date=2026-03-13&lang=en",
                                 headers=token("supervisor", "S01"))
        assert sup.status_code == 200 and 'name="branch"' not in sup.text
        assert "V000001" in sup.text and "V000004" not in sup.text
        other = await s.client.get("/?date=2026-03-13&branch=SC02",
                                   headers=token("supervisor", "S01"))
        assert other.status_code == 403
        assert (await s.client.get("/?date=2026-03-13", headers=token("clerk", "C01"))
                ).status_code == 403


async def test_q25_a_paper_answer_keyed_in_from_the_card_page(ns) -> None:
    async with survey_app(ns, now=FRIDAY, accounts_file=DEFAULT_FILE,
                          cookie_secure=False) as s:
        (card,) = await sent_cards(s, 1)
        url = f"/cards/{card['id']}"
        shown = await s.client.get(url + "?lang=en", headers=DEPT)
        assert shown.status_code == 200
        assert 'data-status="sent"' in shown.text and "Technician Li" in shown.text
        assert "data-link" in shown.text and card["link"] in shown.text  # sent: its link
        assert f'action="{url}/answer"' in shown.text
        # The branch supervisor reads the card but gets neither the link nor the form.
        sup = await s.client.get(url + "?lang=en", headers=token("supervisor", "S01"))
        assert sup.status_code == 200 and "data-link" not in sup.text
        assert f'action="{url}/answer"' not in sup.text
        assert (await s.client.post(url + "/answer", headers=token("supervisor", "S01"),
                                    data={"attitude": "4"})).status_code == 403

        csrf = await _sign_in(s)
        form = {"attitude": "4", "skill": "3", "arrival": "2", "comment": "late, but kind",
                "complaint_kind": "complaint", "complaint_severity": "serious",
                "complaint_text": "came two hours late"}
        assert (await s.client.post(url + "/answer", data=form)).status_code == 403  # no CSRF
        missing = await s.client.post(url + "/answer?lang=en", data={**form, "csrf_token": csrf})
        assert missing.status_code == 422 and 'role="alert"' in missing.text
        assert "follow_through" in missing.text and "Q25" in missing.text
        assert "came two hours late" in missing.text  # what was typed is kept
        assert (await s.card(card["id"]))["status"] == "sent"

        done = await s.client.post(url + "/answer", data={**form, "follow_through": "1",
                                                          "csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == url
        after = await s.card(card["id"])
        assert (after["status"], after["answered_via"]) == ("answered", "paper")
        assert [after[d] for d in ("attitude", "skill", "arrival", "follow_through")] == [
            4, 3, 2, 1]
        assert after["comment"] == "late, but kind"
        assert after["complaint"]["status"] == "awaiting_triage"
        assert after["complaint"]["customer_severity"] == "serious"
        async with s.rt.db.reading() as session:
            row = await session.scalar(select(SurveyCard).where(SurveyCard.id == card["id"]))
            assert row is not None and row.answered_by == "D01"  # keyed-by recorded
            assert await count_audit(session, "card.answered") == 1

        page = await s.client.get(url + "?lang=en")
        assert 'data-answered-via="paper"' in page.text and 'data-answered-by="D01"' in page.text
        assert "Keyed in from paper by D01" in page.text
        assert f'action="{url}/answer"' not in page.text
        assert 'data-complaint="awaiting_triage"' in page.text
        hant = await s.client.get(url + "?lang=zh-Hant")
        assert "自紙本登錄" in hant.text and "服務態度" in hant.text

        again = await s.client.post(url + "/answer?lang=en",
                                    data={**form, "follow_through": "4", "csrf_token": csrf})
        assert again.status_code == 409 and "already answered" in again.text
        assert (await s.card(card["id"]))["follow_through"] == 1


async def test_q25_a_pending_card_is_keyed_in_before_it_went_out(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        await s.publish(registered(1, "2026-03-13T10:00:00+08:00"))
        (card,) = await eventually(lambda: s.cards("2026-03-13"))
        page = await s.client.get(f"/cards/{card['id']}?lang=en", headers=DEPT)
        assert "data-link" not in page.text and "Key in the paper answer" in page.text
        assert (await s.client.get("/cards/999999", headers=DEPT)).status_code == 404
        elsewhere = await s.client.get(f"/cards/{card['id']}",
                                       headers=token("supervisor", "S21", "SC02"))
        assert elsewhere.status_code == 403
