"""Abnormality sheets: filed, routed to the unit concerned, improved, closed (SPEC C3).

Each change is audited in its own transaction; the sheet is locked before a transition so
concurrent improvements or closings leave one effect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import HEAD_OFFICE_ROLES, Actor
from shared.context import Context
from shared.db import get_or_404
from shared.rules import NotFound

from ..domain import abnormality as rules
from ..models import AbnormalitySheet
from ..schemas.abnormality import CloseIn, ImprovementIn, SheetIn

SUBJECT = "abnormality_sheet"
LIST_LIMIT = 500  # [choice] the newest sheets a list shows
# [choice] Who reads every sheet (within their branch): the GM office keeps the monthly
# statistics, the GM and vice GM oversee, QA follows quality issues.
OVERSEERS: frozenset[str] = frozenset({"gm_office", "gm", "vice_gm", "qa"})


async def file_sheet(ctx: Context, session: AsyncSession, *, actor: Actor,
                     data: SheetIn) -> AbnormalitySheet:
    """File a sheet for a no-loss quality issue, routed to the unit concerned (SPEC C3)."""
    rules.check_filing(role=actor.role, unit_role=data.unit_role, caused_loss=data.caused_loss)
    branch = actor.branch if actor.branch is not None else data.branch
    now = ctx.now()
    sheet = AbnormalitySheet(
        form=rules.form_for(actor.role), branch=branch, store_id=data.store_id,
        customer=data.customer, order_no=data.order_no, part_no=data.part_no,
        description=data.description, unit_role=data.unit_role, unit=data.unit,
        status=rules.OPEN, filed_at=now, filed_by=actor.user_id, filed_role=actor.role,
    )
    session.add(sheet)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="abnormality.filed", subject_type=SUBJECT,
        subject_id=str(sheet.id), at=now,
        detail={"unit_role": data.unit_role, "unit": data.unit, "form": sheet.form},
    )
    return sheet


def readable(actor: Actor, sheet: AbnormalitySheet) -> bool:
    """The filer's role, the unit concerned and the overseers read a sheet (SPEC C3)."""
    if not actor.may_act_in(sheet.branch):
        return False
    return actor.role in OVERSEERS or actor.role in (sheet.unit_role, sheet.filed_role)


async def readable_sheet(session: AsyncSession, *, actor: Actor, sheet_id: int,
                         lock: bool = False) -> AbnormalitySheet:
    """The sheet if the actor may read it; otherwise 404 (it is not theirs to know of)."""
    sheet = await get_or_404(session, AbnormalitySheet, sheet_id, what="abnormality sheet",
                             field="sheet_id", lock=lock)
    if not readable(actor, sheet):
        raise NotFound(f"no abnormality sheet {sheet_id}", field="sheet_id")
    return sheet


async def list_sheets(session: AsyncSession, *, actor: Actor, status: str | None = None,
                      after_id: int | None = None, limit: int | None = None
                      ) -> list[AbnormalitySheet]:
    """Sheets for the caller's unit or filed by it (all for overseers), newest first.

    CONTRACT "Lists": those after ``after_id`` in this order (older than the last sheet of
    the page before), at most ``limit``; without ``limit`` (the page) the newest
    ``LIST_LIMIT`` as before."""
    query = (select(AbnormalitySheet).order_by(AbnormalitySheet.id.desc())
             .limit(LIST_LIMIT if limit is None else limit))
    if after_id is not None:
        query = query.where(AbnormalitySheet.id < after_id)
    if actor.branch is not None:
        mine = AbnormalitySheet.branch == actor.branch
        query = query.where(or_(mine, AbnormalitySheet.branch.is_(None))
                            if actor.role in HEAD_OFFICE_ROLES else mine)
    if actor.role not in OVERSEERS:
        query = query.where(or_(AbnormalitySheet.unit_role == actor.role,
                                AbnormalitySheet.filed_role == actor.role))
    if status is not None:
        query = query.where(AbnormalitySheet.status == status)
    return list((await session.scalars(query)).all())


async def record_improvement(ctx: Context, session: AsyncSession, *, actor: Actor,
                             sheet_id: int, data: ImprovementIn) -> AbnormalitySheet:
    """The unit concerned records who improved what, and when (SPEC C3)."""
    sheet = await readable_sheet(session, actor=actor, sheet_id=sheet_id, lock=True)
    rules.check_improvement(role=actor.role, unit_role=sheet.unit_role, status=sheet.status)
    now = ctx.now()
    sheet.status, sheet.improvement = rules.IMPROVED, data.improvement
    sheet.improved_at, sheet.improved_by = now, actor.user_id
    await ctx.audit.record(
        session, actor=actor, action="abnormality.improved", subject_type=SUBJECT,
        subject_id=str(sheet.id), at=now, detail={"improvement": data.improvement},
    )
    return sheet


async def close_sheet(ctx: Context, session: AsyncSession, *, actor: Actor, sheet_id: int,
                      data: CloseIn) -> AbnormalitySheet:
    """The filer's role or the GM office closes an improved sheet (SPEC C3)."""
    sheet = await readable_sheet(session, actor=actor, sheet_id=sheet_id, lock=True)
    rules.check_closing(role=actor.role, filed_role=sheet.filed_role, status=sheet.status)
    now = ctx.now()
    sheet.status, sheet.closed_at, sheet.closed_by = rules.CLOSED, now, actor.user_id
    sheet.close_note = data.note
    await ctx.audit.record(
        session, actor=actor, action="abnormality.closed", subject_type=SUBJECT,
        subject_id=str(sheet.id), at=now, detail={"note": data.note},
    )
    return sheet


async def month_block(session: AsyncSession, *, start: datetime,
                      end: datetime) -> dict[str, object]:
    """Sheets filed in [start, end): the block beside the complaint table (SPEC C3)."""
    rows = await session.scalars(
        select(AbnormalitySheet).where(AbnormalitySheet.filed_at >= start,
                                       AbnormalitySheet.filed_at < end)
    )
    return rules.abnormality_summary(
        rules.SheetLine(unit_role=r.unit_role, status=r.status, form=r.form) for r in rows)
