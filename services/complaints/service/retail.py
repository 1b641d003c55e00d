"""Retail gift borrowing agreed beforehand (SPEC R2b).

A counter asks to borrow gifts from another vendor for a case, naming the counter staff
told and agreeing; the branch organiser (分公司主辦; [choice] the branch_manager role) of the
case's branch agrees. Only then may the counter lead's review name borrowed gifts
(check ``gifts_agreed``, domain.retail).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState

from ..domain.retail import RULE
from ..models import Complaint, GiftBorrowing
from ..schemas.abnormality import GiftBorrowingIn
from .cases import SUBJECT, readable_case

REQUESTERS = frozenset({"counter", "counter_lead"})
ORGANISER = "branch_manager"


async def request_gifts(ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str,
                        data: GiftBorrowingIn) -> tuple[Complaint, GiftBorrowing]:
    """A counter records the gifts to borrow and the counter staff agreeing (SPEC R2b)."""
    if actor.role not in REQUESTERS:
        raise Forbidden("a counter asks to borrow gifts", field="role", rule=RULE)
    case = await readable_case(session, actor=actor, case_no=case_no, lock=True)
    if case.status != "open":
        raise WrongState("the case is closed", field="case_no", rule=RULE)
    staff = data.counter_staff or (actor.user_id if actor.role == "counter" else None)
    if staff is None:
        raise RuleBroken("name the counter staff told and agreeing", field="counter_staff",
                         rule=RULE)
    now = ctx.now()
    row = GiftBorrowing(complaint_id=case.id, vendor=data.vendor, gifts=data.gifts,
                        counter_staff=staff, requested_by=actor.user_id, requested_at=now)
    session.add(row)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="gifts.requested", subject_type=SUBJECT,
        subject_id=case.case_no, at=now,
        detail={"borrowing": row.id, "vendor": data.vendor, "counter_staff": staff},
    )
    return case, row


async def agree_gifts(ctx: Context, session: AsyncSession, *, actor: Actor, case_no: str,
                      borrowing_id: int) -> tuple[Complaint, GiftBorrowing]:
    """The branch organiser agrees to the borrowing, before the gifts are named (R2b)."""
    if actor.role != ORGANISER:
        raise Forbidden("the branch organiser (branch_manager) agrees", field="role",
                        rule=RULE)
    case = await readable_case(session, actor=actor, case_no=case_no, lock=True)
    row = await session.get(GiftBorrowing, borrowing_id, with_for_update=True)
    if row is None or row.complaint_id != case.id:
        raise NotFound(f"no gift borrowing {borrowing_id} on {case_no}", field="borrowing_id")
    if row.organiser_agreed_at is not None:
        raise WrongState("the borrowing is already agreed", field="borrowing_id", rule=RULE)
    now = ctx.now()
    row.organiser_agreed_by, row.organiser_agreed_at = actor.user_id, now
    case.gifts_agreed = True
    await ctx.audit.record(
        session, actor=actor, action="gifts.agreed", subject_type=SUBJECT,
        subject_id=case.case_no, at=now, detail={"borrowing": row.id},
    )
    return case, row


async def borrowings(session: AsyncSession, case: Complaint) -> list[GiftBorrowing]:
    """The case's gift borrowings, oldest first."""
    rows = await session.scalars(select(GiftBorrowing).where(
        GiftBorrowing.complaint_id == case.id).order_by(GiftBorrowing.id))
    return list(rows.all())
