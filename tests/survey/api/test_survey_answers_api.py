"""SPEC Q25/Q26/Q23 on the staff side: paper answers keyed in by the service department,
a complaint on a card triaged by the service department, then raised as an event and
linked to its case, scores and rankings shown only to whom they belong."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.events.complaints import ComplaintFiled
from shared.events.survey import SurveyComplaintRaised
from tests.helpers import eventually, token
from tests.survey.support import DEPT, Survey, completed, registered, survey_app

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
GOOD = {"attitude": 4, "skill": 4, "arrival": 3, "follow_through": 4}


async def _cards(s: Survey, technicians: list[str]) -> list[dict]:
    for call, tech in enumerate(technicians, start=1):
        await s.publish(registered(call, "2026-03-13T10:00:00+08:00", customer=f"C{call}"))
        await s.publish(completed(call, tech, "2026-03-13T16:00:00+08:00"))

    async def ready() -> list[dict] | None:
        cards = await s.cards("2026-03-13")
        done = len(cards) == len(technicians) and all(c["technician_id"] for c in cards)
        return cards if done else None

    return await eventually(ready)


async def _answer(s: Survey, card_id: int, body: dict, headers=DEPT):
    return await s.client.post(f"/survey-cards/{card_id}/answers", json=body, headers=headers)


async def test_q26_complaint_on_a_card_is_raised_and_linked_to_its_case(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        (card,) = await _cards(s, ["T02"])
        body = {**GOOD, "comment": "polite",
                "complaint": {"severity": "general", "text": "left a mess", "kind": "suggestion"}}
        r = await _answer(s, card["id"], body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "answered" and r.json()["answered_via"] == "paper"
        assert r.json()["complaint"]["status"] == "awaiting_triage"

        # SPEC Q26: raised once the service department has triaged it.
        r = await s.client.post(f"/survey-cards/{card['id']}/triage",
                                json={"severity": "general"}, headers=DEPT)
        assert r.status_code == 200, r.text
        (event,) = await eventually(lambda: s.published(SurveyComplaintRaised))
        assert event["card_id"] == card["id"] and event["voucher_no"] == card["voucher_no"]
        assert (event["severity"], event["kind"], event["text"]) == (
            "general", "suggestion", "left a mess")
        assert (event["technician_id"], event["branch"], event["customer_name"]) == (
            "T02", "SC01", "C1")

        # Complaints opens a service-profile case from it and says which card it came from.
        await s.publish(ComplaintFiled(case_no="260301", profile="service",
                                       classification="service", source_card_id=card["id"]))

        async def linked() -> dict | None:
            shown = await s.card(card["id"])
            return shown if shown["complaint"]["case_no"] else None

        shown = await eventually(linked)
        assert shown["complaint"] == {
            "kind": "suggestion", "severity": "general", "text": "left a mess",
            "case_no": "260301", "status": "raised", "customer_severity": "general",
            "triage_reason": None, "triaged_by": "D01",
            "triaged_at": shown["complaint"]["triaged_at"]}
        assert shown["complaint_case_no"] == "260301"
        listed = await s.cards("2026-03-13")
        assert listed[0]["complaint_case_no"] == "260301"


async def test_q25_paper_answers_are_checked_and_taken_once(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        first, _second = await _cards(s, ["T01", "T01"])
        for field, value in [("attitude", 5), ("skill", 0), ("arrival", "x"),
                             ("follow_through", None)]:
            r = await _answer(s, first["id"], {**GOOD, field: value})
            assert r.status_code == 422, r.text
            assert r.json()["field"] == field and field in r.json()["detail"]
        r = await _answer(s, first["id"], {**GOOD, "complaint": {"severity": "mild", "text": "x"}})
        assert r.status_code == 422 and r.json()["field"] == "complaint.severity"
        r = await _answer(s, first["id"], {**GOOD, "complaint": {"severity": "serious",
                                                                  "text": "  "}})
        assert r.status_code == 422 and r.json()["field"] == "complaint.text"
        assert (await s.card(first["id"]))["status"] == "pending"  # nothing written

        assert (await s.client.post(f"/survey-cards/{first['id']}/answers",
                                    json=GOOD)).status_code == 401
        r = await _answer(s, first["id"], GOOD, headers=token("supervisor", "S01"))
        assert r.status_code == 403
        assert (await _answer(s, 999, GOOD)).status_code == 404

        # A paper card may be keyed in as soon as it is back, even before the morning run.
        assert (await _answer(s, first["id"], GOOD)).status_code == 201
        twice = await _answer(s, first["id"], GOOD)
        assert twice.status_code == 409 and twice.json()["rule"] == "Q25"

        # The morning run then sends only the card still waiting.
        await s.send_cards_at(datetime.fromisoformat("2026-03-14T09:00:00+08:00"))
        statuses = [c["status"] for c in await s.cards("2026-03-13")]
        assert statuses == ["answered", "sent"]
        assert not await s.published(SurveyComplaintRaised)  # no complaint, no event


async def test_q23_scores_and_rankings_are_shown_only_to_whom_they_belong(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        cards = await _cards(s, ["T01", "T01", "T02", "T03"])
        await s.send_cards_at(datetime.fromisoformat("2026-03-14T09:00:00+08:00"))
        answers = [GOOD, {"attitude": 2, "skill": 3, "arrival": 1, "follow_through": 2},
                   {"attitude": 4, "skill": 4, "arrival": 4, "follow_through": 4}]
        for card, body in zip(cards, answers, strict=False):
            assert (await _answer(s, card["id"], body)).status_code == 201

        url, month = "/technicians/T01/scores", {"month": "2026-03"}
        mine = await s.client.get(url, params=month, headers=token("technician", "T01"))
        assert mine.json() == {"technician_id": "T01", "month": "2026-03", "attitude": 3.0,
                               "skill": 3.5, "arrival": 2.0, "follow_through": 3.0,
                               "overall": 2.88, "answered": 2, "sent": 2}
        r = await s.client.get(url, params=month, headers=token("technician", "T02"))
        assert r.status_code == 403
        r = await s.client.get(url, params=month, headers=token("supervisor", "S01"))
        assert r.status_code == 200 and r.json()["overall"] == 2.88
        r = await s.client.get(url, params=month, headers=token("supervisor", "S09", "SC02"))
        assert r.status_code == 403
        r = await s.client.get(url, params={"month": "2026-13"}, headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "month"
        r = await s.client.get(url, params={"month": "2026-04"}, headers=DEPT)
        assert (r.json()["answered"], r.json()["sent"], r.json()["overall"]) == (0, 0, None)
        assert (await s.client.get(url, params=month)).status_code == 401

        ranking = await s.client.get("/rankings", params={"branch": "SC01", **month},
                                     headers=token("supervisor", "S01"))
        assert ranking.status_code == 200, ranking.text
        assert [(x["rank"], x["technician_id"], x["overall"], x["answered"], x["sent"])
                for x in ranking.json()] == [(1, "T02", 4.0, 1, 1), (2, "T01", 2.88, 2, 2),
                                             (3, "T03", None, 0, 1)]
        r = await s.client.get("/rankings", params={"branch": "SC01", **month},
                               headers=token("technician", "T01"))
        assert r.status_code == 403
        r = await s.client.get("/rankings", params={"branch": "SC01", **month},
                               headers=token("supervisor", "S09", "SC02"))
        assert r.status_code == 403
