"""Complaints' subscribers and deadline watchers, all wired here: parse, then call the
service with the runtime's context."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.survey import SurveyComplaintRaised
from shared.runtime import Runtime

from .models import Complaint
from .service import penalties, reminders, steps
from .service.cases import company_zone


def register(rt: Runtime) -> None:
    """Survey complaints open cases (Q26); reminders (C14) and notices (P8) fall due."""
    ctx = rt.context

    async def on_survey_complaint(session: AsyncSession, event: SurveyComplaintRaised) -> None:
        await steps.file_from_survey(ctx, session, event)

    consume(rt, SurveyComplaintRaised, consumer="survey-complaint", handler=on_survey_complaint)

    async def remind(session: AsyncSession, now: datetime) -> None:
        await reminders.issue_reminders(ctx, session, now)

    rt.watch(reminders.WATCHER, next_due=reminders.next_deadline, fire=remind)

    tz = company_zone(ctx)

    async def next_notices(session: AsyncSession) -> datetime | None:
        return await penalties.next_notice_due(session, tz=tz)

    async def publish(session: AsyncSession, now: datetime) -> None:
        await penalties.publish_due(ctx, session, now)

    rt.watch(penalties.WATCHER, next_due=next_notices, fire=publish)

    # /metrics business gauge (shared.metrics), counted on scrape, cached 5 s.
    async def cases_past_step_deadline(session: AsyncSession) -> float:
        """Open cases whose current step is past its deadline (SPEC C14), reminded or not."""
        return float(await session.scalar(
            select(func.count()).where(Complaint.status == "open",
                                       Complaint.step_due_at < rt.clock.now())) or 0)

    rt.metrics.business_gauge("open_cases_past_step_deadline", cases_past_step_deadline)

