"""SPEC Q26 through HTTP: a complaint on an answered card waits in the service
department's triage list; the triage (serious | general, a reason when it changes the
customer's choice) raises ``SurveyComplaintRaised`` with the triaged severity; without
it nothing is raised. Only the service department triages, and only in its branches."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.events.survey import SurveyComplaintRaised
from tests.helpers import eventually, token
from tests.survey.support import DEPT, Survey, count_audit, registered, survey_app

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
GOOD = {"attitude": 4, "skill": 4, "arrival": 3, "follow_through": 4}


async def _answered(s: Survey, severity: str = "general") -> dict:
    await s.publish(registered(1, "2026-03-13T10:00:00+08:00"))

    async def ready() -> list[dict] | None:
        return await s.cards("2026-03-13") or None

    (card,) = await eventually(ready)
    r = await s.client.post(f"/survey-cards/{card['id']}/answers", headers=DEPT, json={
        **GOOD, "complaint": {"severity": severity, "text": "shouted at my mother"}})
    assert r.status_code == 201, r.text
    return card


def _triage(s: Survey, card_id: int, body: dict, headers=DEPT):
    return s.client.post(f"/survey-cards/{card_id}/triage", json=body, headers=headers)


async def test_q26_customer_general_made_serious_with_reason_event_carries_serious(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        card = await _answered(s, "general")
        listed = await s.client.get("/survey-complaints", headers=DEPT)
        assert listed.status_code == 200, listed.text
        (line,) = listed.json()
        assert (line["card_id"], line["voucher_no"], line["customer_name"]) == (
            card["id"], card["voucher_no"], "Wu Mei")
        assert line["complaint"]["customer_severity"] == "general"
        assert line["complaint"]["severity"] is None
        assert line["complaint"]["text"] == "shouted at my mother"

        r = await _triage(s, card["id"], {"severity": "serious",
                                          "reason": "abuse of an elderly customer"})
        assert r.status_code == 200, r.text
        assert r.json()["complaint"]["severity"] == "serious"
        assert r.json()["complaint"]["customer_severity"] == "general"
        assert r.json()["complaint"]["status"] == "raised"

        (event,) = await eventually(lambda: s.published(SurveyComplaintRaised))
        assert (event["card_id"], event["severity"], event["customer_severity"],
                event["triage_reason"], event["triaged_by"], event["answered_via"]) == (
            card["id"], "serious", "general", "abuse of an elderly customer", "D01", "paper")
        assert (await s.client.get("/survey-complaints", headers=DEPT)).json() == []
        async with s.rt.db.reading() as session:
            assert await count_audit(session, "complaint.triaged") == 1


async def test_q26_without_triage_no_event(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        card = await _answered(s, "serious")
        assert (await s.card(card["id"]))["complaint"]["status"] == "awaiting_triage"
        assert await s.published(SurveyComplaintRaised) == []


async def test_q26_change_without_reason_is_422_and_changes_nothing(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        card = await _answered(s, "general")
        for body in ({"severity": "serious"}, {"severity": "serious", "reason": "   "}):
            r = await _triage(s, card["id"], body)
            assert r.status_code == 422, r.text
            assert (r.json()["field"], r.json()["rule"]) == ("reason", "Q26")
        r = await _triage(s, card["id"], {"severity": "mild"})
        assert r.status_code == 422 and r.json()["field"] == "severity"
        r = await _triage(s, card["id"], {"severity": "general", "reason": "ok\x00"})
        assert r.status_code == 422
        assert (await s.card(card["id"]))["complaint"]["status"] == "awaiting_triage"
        assert await s.published(SurveyComplaintRaised) == []


async def test_q26_only_the_service_department_triages_in_its_branches(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        card = await _answered(s, "general")
        body = {"severity": "general"}
        for who in (token("supervisor", "S01"), token("branch_manager", "M01"),
                    token("vice_gm", "VG1", None)):
            assert (await _triage(s, card["id"], body, headers=who)).status_code == 403
            r = await s.client.get("/survey-complaints", headers=who)
            assert r.status_code == 403
        other = token("service_dept", "D21", "SC02")
        assert (await _triage(s, card["id"], body, headers=other)).status_code == 403
        r = await s.client.get("/survey-complaints", params={"branch": "SC01"}, headers=other)
        assert r.status_code == 403
        r = await s.client.get("/survey-complaints", headers=other)
        assert r.status_code == 200 and r.json() == []
        assert (await _triage(s, 999, body)).status_code == 404
        assert (await s.client.post(f"/survey-cards/{card['id']}/triage",
                                    json=body)).status_code == 401
        assert await s.published(SurveyComplaintRaised) == []

        r = await s.client.get("/survey-complaints", params={"branch": "SC01", "limit": 1},
                               headers=DEPT)
        assert [c["card_id"] for c in r.json()] == [card["id"]] and "link" not in r.headers
        assert (await _triage(s, card["id"], body)).status_code == 200
        again = await _triage(s, card["id"], body)
        assert again.status_code == 409 and again.json()["rule"] == "Q26"
