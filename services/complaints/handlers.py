"""Complaints' subscribers and deadline watchers: parse, then call the service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import consume
from shared.events.survey import SurveyComplaintRaised
from shared.runtime import Runtime

from . import penalty_service, reminders, service


def register(rt: Runtime) -> None:
    """Survey complaints open cases (Q26); reminders (C14) and notices (P8) fall due."""

    async def on_survey_complaint(session: AsyncSession, event: SurveyComplaintRaised) -> None:
        await service.file_from_survey(rt, session, event)

    consume(rt, SurveyComplaintRaised, consumer="survey-complaint", handler=on_survey_complaint)
    reminders.register(rt)
    penalty_service.register(rt)
