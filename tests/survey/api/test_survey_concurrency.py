"""Issue 11, SPEC Q25: a card is answered once, even when the same answer arrives twenty
times at once, on the embedded default (SQLite) and on PostgreSQL: one answer, one audit
entry, one complaint awaiting triage; the others are refused (the link's "already
answered" page, 410; a paper answer keyed in twice, 409). Issue 13, SPEC Q26: twenty
identical triages of that complaint leave one triage, one audit entry and one
``SurveyComplaintRaised`` event; the others get 409."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from shared.events.survey import SurveyComplaintRaised
from tests.helpers import eventually
from tests.infra import ENGINES
from tests.survey.support import (
    DEPT,
    FORM,
    Survey,
    count_audit,
    count_outbox,
    sent_cards,
    survey_app,
)

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
TIMES = 20


async def _one_of_each(s: Survey, card_id: int) -> None:
    """Exactly one answer was recorded and audited; its complaint awaits triage (Q26)."""
    async with s.rt.db.reading() as session:
        assert await count_audit(session, "card.answered") == 1
        assert await count_outbox(session, SurveyComplaintRaised) == 0
    r = await s.client.get("/survey-complaints", headers=DEPT)
    assert [c["card_id"] for c in r.json()] == [card_id], r.text


@pytest.mark.parametrize("engine", ENGINES)
async def test_q26_twenty_identical_triages_raise_one_event(ns, engine) -> None:
    async with survey_app(ns, now=FRIDAY, **ns.engine_overrides(engine)) as s:
        (card,) = await sent_cards(s, 1)
        r = await s.client.post(f"/survey-cards/{card['id']}/answers", headers=DEPT, json={
            "attitude": 1, "skill": 2, "arrival": 1, "follow_through": 1,
            "complaint": {"severity": "general", "text": "broke the door"}})
        assert r.status_code == 201, r.text
        await _one_of_each(s, card["id"])
        await _triage_twenty_times(s, card["id"], {"severity": "serious",
                                                   "reason": "damage to the home"})


async def _triage_twenty_times(s: Survey, card_id: int, body: dict) -> None:
    """SPEC Q26: of twenty identical triages one wins, the others get 409."""
    triaged = await asyncio.gather(*(
        s.client.post(f"/survey-cards/{card_id}/triage", json=body, headers=DEPT)
        for _ in range(TIMES)))
    codes = sorted(r.status_code for r in triaged)
    assert codes == [200] + [409] * (TIMES - 1), codes
    assert all(r.json()["rule"] == "Q26" for r in triaged if r.status_code == 409)
    async with s.rt.db.reading() as session:
        assert await count_audit(session, "complaint.triaged") == 1
        assert await count_outbox(session, SurveyComplaintRaised) == 1
    (event,) = await eventually(lambda: s.published(SurveyComplaintRaised))
    assert (event["card_id"], event["severity"]) == (card_id, body["severity"])
    assert len(await s.published(SurveyComplaintRaised)) == 1


@pytest.mark.parametrize("engine", ENGINES)
async def test_q25_twenty_submits_of_one_link_record_one_answer(ns, engine) -> None:
    async with survey_app(ns, now=FRIDAY, **ns.engine_overrides(engine)) as s:
        (card,) = await sent_cards(s, 1)
        forms = [{"attitude": "1", "skill": "2", "arrival": "1", "follow_through": "1",
                  "comment": f"try {n}", "complaint_kind": "complaint",
                  "complaint_severity": "serious", "complaint_text": f"late, try {n}"}
                 for n in range(TIMES)]
        answers = await asyncio.gather(*(
            s.client.post(card["link"], data=form, headers={"content-type": FORM})
            for form in forms))

        codes = sorted(r.status_code for r in answers)
        assert codes == [200] + [410] * (TIMES - 1), codes
        assert all("already been answered" in r.text for r in answers if r.status_code == 410)
        shown = await s.card(card["id"])
        assert shown["status"] == "answered" and shown["answered_via"] == "link"
        winner = next(f for f in forms if f["comment"] == shown["comment"])
        assert shown["complaint"]["text"] == winner["complaint_text"]
        await _one_of_each(s, card["id"])


@pytest.mark.parametrize("engine", ENGINES)
async def test_q25_twenty_paper_answers_of_one_card_record_one(ns, engine) -> None:
    async with survey_app(ns, now=FRIDAY, **ns.engine_overrides(engine)) as s:
        (card,) = await sent_cards(s, 1)
        bodies = [{"attitude": 4, "skill": 3, "arrival": 2, "follow_through": 1,
                   "comment": f"paper {n}",
                   "complaint": {"severity": "general", "text": f"mess {n}"}}
                  for n in range(TIMES)]
        answers = await asyncio.gather(*(
            s.client.post(f"/survey-cards/{card['id']}/answers", json=body, headers=DEPT)
            for body in bodies))

        codes = sorted(r.status_code for r in answers)
        assert codes == [201] + [409] * (TIMES - 1), codes
        assert all(r.json()["rule"] == "Q25" for r in answers if r.status_code == 409)
        shown = await s.card(card["id"])
        assert shown["status"] == "answered" and shown["answered_via"] == "paper"
        assert shown["comment"] in {b["comment"] for b in bodies}
        await _one_of_each(s, card["id"])
