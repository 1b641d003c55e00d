"""SPEC Q26 on survey's service layer, without servers (shared.testing fakes): a
complaint or suggestion on an answered card waits for the service department's triage;
only the triage raises ``SurveyComplaintRaised``, with the triaged severity beside the
customer's; a changed severity needs a reason; a complaint is triaged once."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.survey.schemas import AnswerIn
from services.survey.service import answers, cards, triage
from shared.auth import Actor
from shared.events.survey import SurveyComplaintRaised
from shared.rules import Forbidden, RuleBroken, WrongState
from tests.survey.support import Fast, count_audit, fast_survey, registered

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
MONDAY = datetime.fromisoformat("2026-03-16T10:00:00+08:00")
DEPT = Actor(user_id="D01", role="service_dept")
GOOD = {"attitude": 4, "skill": 4, "arrival": 3, "follow_through": 4}


async def _answered(s: Fast, call: int = 1, *, severity: str = "general",
                    kind: str = "complaint", branch: str = "SC01") -> int:
    """A card of Friday keyed in from paper with a complaint the customer ticked."""
    async with s.db.transaction() as session:
        await cards.card_for_call(s.ctx, session, event=registered(
            call, "2026-03-13T10:00:00+08:00", branch=branch))
    async with s.db.reading() as session:
        (card,) = [c for c in await cards.cards_of_day(
            s.ctx, session, actor=DEPT, day=FRIDAY.date(), branch=branch) if c.call_id == call]
    data = AnswerIn.model_validate({**GOOD, "complaint": {
        "severity": severity, "text": "the technician shouted at my mother", "kind": kind}})
    async with s.db.transaction() as session:
        await answers.answer_on_paper(s.ctx, session, actor=DEPT, card_id=card.id, data=data)
    return card.id


async def _triage(s: Fast, card_id: int, severity: str, reason: str | None = None,
                  actor: Actor = DEPT):
    async with s.db.transaction() as session:
        return await triage.triage_complaint(s.ctx, session, actor=actor, card_id=card_id,
                                             severity=severity, reason=reason)


async def test_q26_customer_ticks_general_service_dept_makes_it_serious_event_carries_serious(
) -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _answered(s, severity="general")
        s.clock.advance(MONDAY - s.clock.now())
        card = await _triage(s, card_id, "serious", reason="  abuse of an elderly customer ")

        (event,) = s.outbox.committed
        assert isinstance(event, SurveyComplaintRaised)
        assert (event.severity, event.customer_severity, event.triage_reason,
                event.triaged_by) == ("serious", "general", "abuse of an elderly customer",
                                      "D01")
        assert (event.card_id, event.kind, event.answered_via, event.occurred_at) == (
            card_id, "complaint", "paper", MONDAY)
        assert event.answered_at == FRIDAY  # the case's clock starts at the answer (Q26)
        assert (card.complaint_status, card.complaint_severity,
                card.complaint_customer_severity, card.complaint_triaged_by,
                card.complaint_triaged_at) == ("raised", "serious", "general", "D01", MONDAY)
        async with s.db.reading() as session:
            assert await count_audit(session, "complaint.triaged") == 1


async def test_q26_without_triage_no_event() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _answered(s, severity="serious")
        assert s.outbox.committed == []  # SPEC Q26: the customer's tick is not forwarded
        async with s.db.reading() as session:
            waiting = await triage.awaiting_triage(s.ctx, session, actor=DEPT)
        assert [(c.id, c.complaint_customer_severity) for c in waiting] == [
            (card_id, "serious")]


async def test_q26_changed_severity_without_reason_is_refused_and_writes_nothing() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _answered(s, severity="general")
        for reason in (None, "", "   "):
            with pytest.raises(RuleBroken) as err:
                await _triage(s, card_id, "serious", reason=reason)
            assert (err.value.status_code, err.value.field, err.value.rule) == (
                422, "reason", "Q26")
        with pytest.raises(RuleBroken) as err:
            await _triage(s, card_id, "urgent", reason="why not")
        assert (err.value.field, err.value.rule) == ("severity", "Q26")
        assert s.outbox.committed == []
        async with s.db.reading() as session:
            assert await count_audit(session, "complaint.triaged") == 0
            (still,) = await triage.awaiting_triage(s.ctx, session, actor=DEPT)
        assert (still.id, still.complaint_severity) == (card_id, None)


async def test_q26_confirming_the_customers_choice_needs_no_reason_and_happens_once() -> None:
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _answered(s, severity="general")
        await _triage(s, card_id, "general")
        (event,) = s.outbox.committed
        assert (event.severity, event.customer_severity, event.triage_reason) == (  # type: ignore[attr-defined]
            "general", "general", None)
        with pytest.raises(WrongState) as err:
            await _triage(s, card_id, "serious", reason="second thoughts")
        assert (err.value.status_code, err.value.rule) == (409, "Q26")
        assert len(s.outbox.committed) == 1
        async with s.db.reading() as session:
            assert await triage.awaiting_triage(s.ctx, session, actor=DEPT) == []
            assert await count_audit(session, "complaint.triaged") == 1


async def test_q26_a_suggestion_is_triaged_too() -> None:
    """[choice] Q26 speaks of 建議或抱怨: a suggestion, too, is serious or general."""
    async with fast_survey(now=FRIDAY) as s:
        card_id = await _answered(s, severity="general", kind="suggestion")
        assert s.outbox.committed == []
        await _triage(s, card_id, "serious", reason="a gas safety issue")
        (event,) = s.outbox.committed
        assert (event.kind, event.severity) == ("suggestion", "serious")  # type: ignore[attr-defined]


async def test_q26_no_complaint_no_triage_and_other_branches_stay_out() -> None:
    async with fast_survey(now=FRIDAY) as s:
        async with s.db.transaction() as session:
            await cards.card_for_call(s.ctx, session,
                                      event=registered(1, "2026-03-13T10:00:00+08:00"))
        async with s.db.reading() as session:
            (plain,) = await cards.cards_of_day(s.ctx, session, actor=DEPT, day=FRIDAY.date())
        with pytest.raises(WrongState) as err:  # not answered, nothing to triage
            await _triage(s, plain.id, "general")
        assert err.value.rule == "Q26"
        card_id = await _answered(s, call=2)
        other = Actor(user_id="D21", role="service_dept", branch="SC02")
        with pytest.raises(Forbidden):
            await _triage(s, card_id, "general", actor=other)
        async with s.db.reading() as session:
            assert await triage.awaiting_triage(s.ctx, session, actor=other) == []
            with pytest.raises(Forbidden):
                await triage.awaiting_triage(s.ctx, session, actor=other, branch="SC01")
            mine = await triage.awaiting_triage(s.ctx, session, actor=DEPT, branch="SC01")
        assert [c.id for c in mine] == [card_id]
        assert s.outbox.committed == []
