"""SPEC Q24/Q25/Q26 on survey's service layer, without servers (shared.testing fakes):
a card is prepared and sent, answered once by its link or keyed in from paper; the
answer moves the technician's scores, a complaint on it waits for the service
department's triage (no event yet, SPEC Q26), and the answer leaves one audit entry. A
second answer is refused (WrongState, 409)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.survey.domain import cards as rules
from services.survey.schemas import AnswerIn
from services.survey.service import answers, cards, scores, triage
from shared.auth import Actor
from shared.events.survey import SurveyComplaintRaised
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState
from tests.survey.support import Fast, completed, count_audit, fast_survey, registered

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
SATURDAY_MORNING = datetime.fromisoformat("2026-03-14T09:00:00+08:00")
DEPT = Actor(user_id="D01", role="service_dept")
T02 = Actor(user_id="T02", role="technician", branch="SC01")
COMPLAINT_FORM = {"attitude": "2", "skill": "3", "arrival": "1", "follow_through": "2",
                  "comment": "polite", "complaint_kind": "complaint",
                  "complaint_severity": "serious", "complaint_text": "came two days late"}


async def _card(s: Fast, *, send: bool = True) -> int:
    """One registered call of Friday, completed by T02; sent on Saturday morning."""
    async with s.db.transaction() as session:
        await cards.card_for_call(s.ctx, session,
                                  event=registered(1, "2026-03-13T10:00:00+08:00"))
    async with s.db.transaction() as session:
        await cards.job_completed(s.ctx, session,
                                  event=completed(1, "T02", "2026-03-13T16:00:00+08:00"))
    assert s.ctx.wake.woken == [cards.SEND_WATCHER]  # type: ignore[attr-defined]
    async with s.db.reading() as session:
        (card,) = await cards.cards_of_day(s.ctx, session, actor=DEPT, day=date(2026, 3, 13))
        assert (card.status, card.technician_id) == (rules.PENDING, "T02")
        assert await cards.next_send_due(session) == SATURDAY_MORNING
    if send:
        s.clock.advance(SATURDAY_MORNING - s.clock.now())
        async with s.db.transaction() as session:
            assert await cards.send_due_cards(s.ctx, session, now=s.clock.now()) == 1
    return card.id


async def _link_token(s: Fast, card_id: int) -> str:
    async with s.db.reading() as session:
        card = await cards.card_detail(s.ctx, session, actor=DEPT, card_id=card_id)
        link = cards.link_of(s.ctx, card)
    assert link is not None and link.startswith("/s/")
    return link.removeprefix("/s/")


async def test_q25_q26_answer_by_link_once_with_scores_event_and_audit() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _card(s)
        token = await _link_token(s, card_id)

        async with s.db.transaction() as session:
            card = await answers.answer_by_link(s.ctx, session, token=token,
                                                form=COMPLAINT_FORM)
        assert (card.status, card.answered_via, card.answered_by) == (
            rules.ANSWERED, "link", "customer")
        assert (card.attitude, card.skill, card.arrival, card.follow_through) == (2, 3, 1, 2)

        # SPEC Q26: recorded as the customer ticked it, awaiting triage; nothing raised.
        assert s.outbox.committed == []
        assert (card.complaint_status, card.complaint_customer_severity, card.complaint_kind,
                card.complaint_text, card.complaint_severity) == (
            "awaiting_triage", "serious", "complaint", "came two days late", None)
        async with s.db.transaction() as session:
            await triage.triage_complaint(s.ctx, session, actor=DEPT, card_id=card_id,
                                          severity="serious")
        (event,) = s.outbox.committed
        assert isinstance(event, SurveyComplaintRaised)
        assert (event.card_id, event.severity, event.kind, event.text, event.answered_via) == (
            card_id, "serious", "complaint", "came two days late", "link")
        assert (event.technician_id, event.branch, event.customer_name) == (
            "T02", "SC01", "Wu Mei")

        async with s.db.reading() as session:
            assert await count_audit(session, "card.answered") == 1
            month = await scores.technician_scores(s.ctx, session, actor=T02,
                                                   technician_id="T02", month="2026-03")
        assert (month.attitude, month.skill, month.arrival, month.follow_through) == (
            2.0, 3.0, 1.0, 2.0)
        assert (month.overall, month.answered, month.sent) == (2.0, 1, 1)

        # Usable once: the link now answers "already answered" (WrongState → 410 page).
        with pytest.raises(WrongState, match="already been answered"):
            async with s.db.transaction() as session:
                await answers.answer_by_link(s.ctx, session, token=token,
                                             form=COMPLAINT_FORM)
        assert len(s.outbox.committed) == 1
        async with s.db.reading() as session:
            assert await count_audit(session, "card.answered") == 1


async def test_q25_q26_paper_answer_once_with_scores_event_and_audit() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _card(s, send=False)  # a paper card may be keyed in before sending
        data = AnswerIn.model_validate({
            "attitude": 4, "skill": 4, "arrival": 3, "follow_through": 4,
            "complaint": {"severity": "general", "text": "left a mess", "kind": "suggestion"},
        })
        async with s.db.transaction() as session:
            card = await answers.answer_on_paper(s.ctx, session, actor=DEPT, card_id=card_id,
                                                 data=data)
        assert (card.status, card.answered_via, card.answered_by) == (
            rules.ANSWERED, "paper", "D01")
        assert s.outbox.types() == []  # SPEC Q26: awaiting the service department's triage
        assert (card.complaint_status, card.complaint_customer_severity) == (
            "awaiting_triage", "general")

        async with s.db.reading() as session:
            assert await count_audit(session, "card.answered") == 1
            month = await scores.technician_scores(s.ctx, session, actor=DEPT,
                                                   technician_id="T02", month="2026-03")
            ranked = await scores.branch_ranking(s.ctx, session, actor=DEPT, branch="SC01",
                                                 month="2026-03")
        assert (month.overall, month.answered, month.sent) == (3.75, 1, 1)
        assert [(r, x.technician_id) for r, x in ranked] == [(1, "T02")]

        with pytest.raises(WrongState) as err:
            async with s.db.transaction() as session:
                await answers.answer_on_paper(s.ctx, session, actor=DEPT, card_id=card_id,
                                              data=data)
        assert (err.value.status_code, err.value.rule) == (409, "Q25")
        assert s.outbox.committed == []
        async with s.db.reading() as session:
            assert await count_audit(session, "card.answered") == 1


async def test_q25_an_answer_without_complaint_raises_no_event() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _card(s)
        token = await _link_token(s, card_id)
        form = {k: v for k, v in COMPLAINT_FORM.items() if not k.startswith("complaint")}
        async with s.db.transaction() as session:
            await answers.answer_by_link(s.ctx, session, token=token, form=form)
        assert s.outbox.committed == []
        async with s.db.reading() as session:
            assert await count_audit(session, "card.answered") == 1


async def test_q25_a_refused_answer_writes_nothing() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _card(s)
        token = await _link_token(s, card_id)
        for field, value in [("arrival", "5"), ("comment", "ok\x00"),
                             ("complaint_text", "late\x1b[31m")]:
            with pytest.raises(RuleBroken) as err:
                async with s.db.transaction() as session:
                    await answers.answer_by_link(s.ctx, session, token=token,
                                                 form={**COMPLAINT_FORM, field: value})
            assert err.value.field == field
        assert s.outbox.committed == []
        async with s.db.reading() as session:
            card = await cards.card_detail(s.ctx, session, actor=DEPT, card_id=card_id)
            assert card.status == rules.SENT
            assert await count_audit(session, "card.answered") == 0


async def test_q25_links_refused_forged_unsent_and_other_branch() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _card(s)
        token = await _link_token(s, card_id)
        card_part, rest = token.split(".", 1)
        for forged in (f"{int(card_part) + 1}.{rest}", "garbage", ""):
            with pytest.raises(Forbidden):
                async with s.db.reading() as session:
                    await answers.open_link(s.ctx, session, token=forged)
        async with s.db.reading() as session:
            with pytest.raises(NotFound):
                await cards.card_detail(s.ctx, session, actor=DEPT, card_id=999)
            other = Actor(user_id="S21", role="supervisor", branch="SC02")
            with pytest.raises(Forbidden):
                await cards.card_detail(s.ctx, session, actor=other, card_id=card_id)
            assert await cards.cards_of_day(s.ctx, session, actor=other,
                                            day=date(2026, 3, 13)) == []
            with pytest.raises(Forbidden):
                await cards.cards_of_day(s.ctx, session, actor=other, day=date(2026, 3, 13),
                                         branch="SC01")
