"""Complaints raised from survey answers and where each case stands (issue 14 deliver 3;
SPEC Q26–Q28): survey learns a case's stage from complaints' events through durable,
idempotent consumers, and shows it per card and on the list the service department
chases (Q27); a serious case is with the vice GM (Q26)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from services.survey.models import ComplaintCase
from services.survey.service import cases
from shared.events.base import Event
from shared.events.complaints import ComplaintCopyIssued, ComplaintFiled, StepOverdue
from shared.events.survey import SurveyComplaintRaised
from tests.helpers import eventually, token
from tests.infra import ENGINES
from tests.survey.support import DEPT, Survey, count_audit, fast_survey, sent_cards, survey_app

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
MONDAY = datetime.fromisoformat("2026-03-16T09:00:00+08:00")


def filed(case_no: str, card_id: int | None, severity: str = "serious",
          profile: str = "service") -> ComplaintFiled:
    return ComplaintFiled(case_no=case_no, profile=profile, classification="service",
                          source_card_id=card_id, branch="SC01", severity=severity,
                          filed_at=MONDAY)


def overdue(case_no: str, step: str, due_at: datetime, kind: str = "step",
            owner: str = "vice_gm") -> StepOverdue:
    return StepOverdue(case_no=case_no, step=step, kind=kind, due_at=due_at, owner_role=owner)


def copy(case_no: str, closed_at: datetime, profile: str = "service") -> ComplaintCopyIssued:
    return ComplaintCopyIssued(
        case_no=case_no, recipient="service_dept", profile=profile, market="domestic",
        classification="service", customer="Wu Mei", order_no=None, part_no=None,
        handling=None, amount=None, quantity=None, responsible_unit=None,
        closed_at=closed_at, branch="SC01")


async def publish_again(s: Survey, event: Event) -> None:
    """The same event (same ``event_id``) once more under another ``Nats-Msg-Id``: past
    the stream's de-duplication, as a replayed dead letter or a redelivery would come."""
    await s.js.publish(f"{s.tag}.{event.event_type}", event.to_bytes(),
                       stream=s.tag.upper(), headers={"Nats-Msg-Id": f"{event.event_id}-again"})


async def case_row(s: Survey, case_no: str) -> ComplaintCase | None:
    async with s.rt.db.reading() as session:
        return await session.scalar(select(ComplaintCase).where(ComplaintCase.case_no == case_no))


async def _raised_card(s: Survey, *, severity: str) -> dict:
    """A sent card answered on paper with a complaint, triaged as ``severity``."""
    (card,) = await sent_cards(s, 1)
    r = await s.client.post(f"/survey-cards/{card['id']}/answers", headers=DEPT, json={
        "attitude": 1, "skill": 2, "arrival": 1, "follow_through": 1,
        "complaint": {"severity": severity, "text": "the set broke again the same day"}})
    assert r.status_code == 201, r.text
    r = await s.client.post(f"/survey-cards/{card['id']}/triage", headers=DEPT,
                            json={"severity": severity})
    assert r.status_code == 200, r.text
    return card


@pytest.mark.parametrize("engine", ENGINES)
async def test_q27_a_cases_stage_from_complaints_events_each_applied_once(ns, engine) -> None:
    async with survey_app(ns, now=FRIDAY, **ns.engine_overrides(engine)) as s:
        card = await _raised_card(s, severity="serious")
        (raised,) = await eventually(lambda: s.published(SurveyComplaintRaised))
        assert raised["severity"] == "serious"

        # Filed: the card names its case, the case is open with the vice GM (Q26).
        await s.publish(filed("SV-000001", card["id"]))
        await eventually(lambda: case_row(s, "SV-000001"))
        page = await s.client.get(f"/cards/{card['id']}?lang=en", headers=DEPT)
        assert 'data-case="SV-000001"' in page.text and 'data-stage="open"' in page.text
        assert "open, with the vice GM" in page.text

        # The same reminder delivered twice has one effect; a second one is counted.
        first = overdue("SV-000001", "vice_gm_handling", MONDAY + timedelta(days=1))
        await s.publish(first)
        await publish_again(s, first)
        await s.publish(overdue("SV-000001", "case", MONDAY + timedelta(days=7), kind="case",
                                owner="service_dept"))

        async def two_reminders() -> ComplaintCase | None:
            row = await case_row(s, "SV-000001")
            return row if row is not None and row.reminders >= 2 else None

        row = await eventually(two_reminders)
        assert row.reminders == 2  # not 3: the repeated event was skipped by the inbox
        assert (row.overdue_step, row.overdue_kind) == ("case", "case")  # the latest due
        async with s.rt.db.reading() as session:
            assert await count_audit(session, "complaint.overdue") == 2
        page = await s.client.get(f"/cards/{card['id']}?lang=en", headers=DEPT)
        assert 'data-stage="overdue"' in page.text and 'data-reminders="2"' in page.text

        # Closed by its service-department copy; the copy repeated changes nothing.
        closing = copy("SV-000001", MONDAY + timedelta(days=2))
        await s.publish(closing)
        await publish_again(s, closing)
        await eventually(lambda: _closed(s, "SV-000001"))
        async with s.rt.db.reading() as session:
            assert await count_audit(session, "complaint.closed") == 1
        day = await s.client.get("/?date=2026-03-13&lang=en", headers=DEPT)
        assert 'data-case="SV-000001"' in day.text and 'data-stage="closed"' in day.text


async def _closed(s: Survey, case_no: str) -> bool:
    row = await case_row(s, case_no)
    return row is not None and row.closed_at is not None


async def test_q26_the_list_of_raised_complaints_by_stage_serious_with_the_vice_gm(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        card = await _raised_card(s, severity="serious")
        await s.publish(filed("SV-000007", card["id"]))
        await eventually(lambda: case_row(s, "SV-000007"))

        page = await s.client.get("/complaints?lang=en", headers=DEPT)
        assert page.status_code == 200
        assert f'data-card="{card["id"]}"' in page.text
        assert 'data-severity="serious"' in page.text and 'data-handler="vice_gm"' in page.text
        assert "open, with the vice GM" in page.text
        assert f'data-card="{card["id"]}"' not in (
            await s.client.get("/complaints?stage=closed", headers=DEPT)).text
        hant = await s.client.get("/complaints?lang=zh-Hant", headers=DEPT)
        assert "副總經理" in hant.text and "調查卡抱怨" in hant.text

        await s.publish(copy("SV-000007", MONDAY + timedelta(days=1)))
        await eventually(lambda: _closed(s, "SV-000007"))
        closed = await s.client.get("/complaints?stage=closed&lang=en", headers=DEPT)
        assert f'data-card="{card["id"]}"' in closed.text and 'data-stage="closed"' in closed.text
        assert f'data-card="{card["id"]}"' not in (
            await s.client.get("/complaints?stage=open", headers=DEPT)).text
        assert f'data-card="{card["id"]}"' in (
            await s.client.get("/complaints?stage=all", headers=DEPT)).text

        # The service department's page: not a supervisor's nor a clerk's.
        assert (await s.client.get("/complaints", headers=token("supervisor", "S01"))
                ).status_code == 403
        assert (await s.client.get("/complaints?stage=nonsense", headers=DEPT)
                ).status_code == 422


async def test_an_early_reminder_of_a_case_that_is_not_a_service_case_is_forgotten() -> None:
    """Service layer: a reminder may arrive before its filing; a filing of another
    profile drops it, a service filing keeps the count (SPEC Q27)."""
    async with fast_survey(now=MONDAY) as f:
        async with f.db.transaction() as session:
            await cases.step_overdue(f.ctx, session, event=overdue("MF-1", "qa_review", MONDAY))
            await cases.step_overdue(f.ctx, session, event=overdue("SV-9", "registration",
                                                                   MONDAY))
        async with f.db.transaction() as session:
            await cases.case_filed(f.ctx, session, event=filed("MF-1", None,
                                                               profile="manufacturer"))
            await cases.case_filed(f.ctx, session, event=filed("SV-9", 5, severity="general"))
        async with f.db.reading() as session:
            rows = {r.case_no: r for r in await session.scalars(select(ComplaintCase))}
        assert set(rows) == {"SV-9"}
        kept = rows["SV-9"]
        assert (kept.reminders, kept.card_id, kept.severity) == (1, 5, "general")
        assert cases.stage_of(kept) == cases.OVERDUE
        assert cases.handled_by(kept.severity) == "service_dept"
