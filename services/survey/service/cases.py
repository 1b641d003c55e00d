"""Where each complaint raised from a survey card stands (SPEC Q26–Q28), learnt from the
complaints service's events, and the list the service department chases (Q27).

Survey never asks complaints: it keeps a row per case of the ``service`` profile
(``models.ComplaintCase``) from the events complaints already publishes. The stage is
what those events tell: *open* from the filing, *overdue* at a step from a reminder
(SPEC C14), *closed* once the closed case's copy is issued. Serious cases are handled by
the vice GM, general ones by the service department itself (Q26).

Invariant: each event has one effect, even when it is delivered twice: the consumer's
inbox claims ``(consumer, event_id)`` in the same transaction (``shared.consumer``), and
each effect is an upsert by ``case_no`` under a row lock, so events of one case arriving
in any order, or at once on different consumers, neither lose an update nor make a
second row. [choice] A ``StepOverdue`` names no profile: one for a case not yet known
is kept (its filing may still be on the way after an outage) and dropped once the filing
shows the case is not a service case, so the table holds survey-side cases only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, scoped_branch
from shared.context import Context
from shared.db import is_sqlite
from shared.events.complaints import ComplaintCopyIssued, ComplaintFiled, StepOverdue

from ..models import ComplaintCase, SurveyCard
from .cards import SUBJECT

PROFILE = "service"  # the complaints profile of survey complaints (Q26, Q28)
# Stages shown on the pages (derived, never stored: the facts are stored).
OPEN, OVERDUE, CLOSED = "open", "overdue", "closed"
# Q26: who handles a case of each triaged severity.
HANDLER = {"serious": "vice_gm", "general": "service_dept"}
LIST_LIMIT = 500  # [choice] the list page shows the 500 most urgent; older closed drop off


def stage_of(case: ComplaintCase | None) -> str | None:
    """The case's stage as far as complaints' events tell (Q27)."""
    if case is None:
        return None
    if case.closed_at is not None:
        return CLOSED
    return OVERDUE if case.overdue_due_at is not None else OPEN


def handled_by(severity: str | None) -> str | None:
    """SPEC Q26: a serious case goes at once to the vice GM; a general one stays with the
    service department."""
    return HANDLER.get(severity or "")


async def _case(ctx: Context, session: AsyncSession, case_no: str) -> ComplaintCase:
    """The case's row, created by whichever event comes first, locked."""
    dialect: Any = sqlite if is_sqlite(session) else postgresql
    await session.execute(
        dialect.insert(ComplaintCase)
        .values(case_no=case_no, reminders=0, updated_at=ctx.now())
        .on_conflict_do_nothing()
    )
    case = await session.scalar(
        select(ComplaintCase).where(ComplaintCase.case_no == case_no)
        .with_for_update().execution_options(populate_existing=True)
    )
    assert case is not None, f"case {case_no}"
    return case


def _system(ctx: Context) -> Actor:
    return Actor.system(ctx.settings.service)


async def _forget(session: AsyncSession, case_no: str) -> None:
    """Not a service case: drop a row an early reminder made for it."""
    await session.execute(delete(ComplaintCase).where(ComplaintCase.case_no == case_no))


async def case_filed(ctx: Context, session: AsyncSession, *, event: ComplaintFiled) -> None:
    """SPEC Q26/Q27: a service case was opened; serious goes to the vice GM."""
    if event.profile != PROFILE:
        await _forget(session, event.case_no)
        return
    case = await _case(ctx, session, event.case_no)
    case.profile = event.profile
    case.card_id = event.source_card_id
    case.branch = event.branch
    case.severity = event.severity
    case.filed_at = event.filed_at or event.occurred_at
    case.updated_at = ctx.now()


async def step_overdue(ctx: Context, session: AsyncSession, *, event: StepOverdue) -> None:
    """SPEC C14/Q27: a step (or the case) of a case passed its deadline: the service
    department chases it. The latest deadline passed is the one shown."""
    case = await _case(ctx, session, event.case_no)
    if case.profile is not None and case.profile != PROFILE:
        return
    case.reminders += 1
    if case.overdue_due_at is None or event.due_at >= case.overdue_due_at:
        case.overdue_step, case.overdue_kind = event.step, event.kind
        case.overdue_owner_role, case.overdue_due_at = event.owner_role, event.due_at
    case.updated_at = ctx.now()
    if case.card_id is not None:
        await ctx.audit.record(session, actor=_system(ctx), action="complaint.overdue",
                               subject_type=SUBJECT, subject_id=case.card_id,
                               detail={"case_no": event.case_no, "step": event.step,
                                       "kind": event.kind, "owner_role": event.owner_role})


async def copy_issued(ctx: Context, session: AsyncSession, *, event: ComplaintCopyIssued) -> None:
    """SPEC C9.8/Q27: the closed case's copy came to the service department: closed."""
    if event.profile != PROFILE:
        await _forget(session, event.case_no)
        return
    case = await _case(ctx, session, event.case_no)
    case.profile = PROFILE
    case.branch = case.branch or event.branch
    if case.closed_at is None:
        case.closed_at = event.closed_at
        if case.card_id is not None:
            await ctx.audit.record(session, actor=_system(ctx), action="complaint.closed",
                                   subject_type=SUBJECT, subject_id=case.card_id,
                                   detail={"case_no": event.case_no,
                                           "closed_at": event.closed_at.isoformat()})
    case.updated_at = ctx.now()


async def cases_of(
    session: AsyncSession, case_nos: Iterable[str | None]
) -> dict[str, ComplaintCase]:
    """The known cases among ``case_nos``, by number (for the card pages)."""
    wanted = sorted({c for c in case_nos if c})
    if not wanted:
        return {}
    found = await session.scalars(select(ComplaintCase).where(ComplaintCase.case_no.in_(wanted)))
    return {c.case_no: c for c in found}


async def raised_complaints(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str | None = None,
    stage: str | None = None, limit: int = LIST_LIMIT,
) -> list[tuple[SurveyCard, ComplaintCase | None]]:
    """SPEC Q26–Q28: the complaints raised from answered cards with their case, the ones
    still open first (overdue, then oldest), closed ones last; the caller's branch unless
    named, every branch for the head office. ``stage``: open | overdue | closed."""
    if branch is not None:
        ctx.branch(branch)
    scope = scoped_branch(actor, branch)
    query = (
        select(SurveyCard, ComplaintCase)
        .outerjoin(ComplaintCase, ComplaintCase.case_no == SurveyCard.complaint_case_no)
        .where(SurveyCard.complaint_status == "raised")
    )
    if scope is not None:
        query = query.where(SurveyCard.branch == scope)
    if stage == CLOSED:
        query = query.where(ComplaintCase.closed_at.is_not(None))
    elif stage == OVERDUE:
        query = query.where(ComplaintCase.closed_at.is_(None),
                            ComplaintCase.overdue_due_at.is_not(None))
    elif stage == OPEN:  # open includes raised cards whose filing has not arrived yet
        query = query.where(or_(ComplaintCase.case_no.is_(None),
                                ComplaintCase.closed_at.is_(None)))
    query = query.order_by(
        ComplaintCase.closed_at.is_not(None), ComplaintCase.overdue_due_at.is_(None),
        SurveyCard.complaint_triaged_at, SurveyCard.id,
    ).limit(limit)
    return [(card, case) for card, case in (await session.execute(query)).all()]


def days_open(case: ComplaintCase | None, card: SurveyCard, *, now: datetime) -> int | None:
    """Q27: how many whole days since the customer's answer the case has been open."""
    start = card.answered_at or (case.filed_at if case else None)
    if start is None:
        return None
    end = case.closed_at if case is not None and case.closed_at is not None else now
    return max((end - start).days, 0)
