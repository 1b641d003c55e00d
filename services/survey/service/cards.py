"""Survey use cases for cards: built from intake's and dispatch's events, sent the next
morning, listed per day (SPEC Q24, S24).

Invariant: exactly one card per call. Every event about a call upserts the card by
``call_id`` first (``INSERT … ON CONFLICT DO NOTHING``) and then locks it, or, for the
call's own fields, sets them in the upsert (``ON CONFLICT DO UPDATE``, which locks the
row the same way), so events arriving in any order, or concurrently on different
consumers, never make a second card nor lose an update.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch, scoped_branch
from shared.context import Context
from shared.db import is_sqlite
from shared.events.complaints import ComplaintFiled
from shared.events.dispatch import VoucherAssigned, VoucherCompleted
from shared.events.intake import CallCancelled, CallRegistered
from shared.rules import NotFound

from ..domain import cards as rules
from ..domain import links
from ..models import SurveyCard
from . import letters

log = logging.getLogger("aftersales.survey")
SEND_WATCHER = "send-cards"
SEND_BATCH = 500
SUBJECT = "survey_card"


async def _card(
    ctx: Context, session: AsyncSession, *, call_id: int, voucher_no: str, branch: str
) -> SurveyCard:
    """The call's card, created if this is the first event about the call, locked."""
    dialect: Any = sqlite if is_sqlite(session) else postgresql
    await session.execute(
        dialect.insert(SurveyCard)
        .values(call_id=call_id, voucher_no=voucher_no, branch=branch,
                status=rules.PENDING, created_at=ctx.now())
        .on_conflict_do_nothing()
    )
    card = await session.scalar(
        select(SurveyCard).where(SurveyCard.call_id == call_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    assert card is not None, f"card of call {call_id}"
    return card


def _system(ctx: Context) -> Actor:
    return Actor.system(ctx.settings.service)


@cache
def _upsert_card_statement(sqlite_engine: bool, columns: tuple[str, ...]) -> Any:
    """``INSERT … ON CONFLICT (call_id) DO UPDATE SET columns … RETURNING id``, built once
    per engine and set of columns (issue 17)."""
    dialect: Any = sqlite if sqlite_engine else postgresql
    statement = dialect.insert(SurveyCard.__table__)
    return (statement.on_conflict_do_update(
        index_elements=[SurveyCard.call_id],
        set_={name: statement.excluded[name] for name in columns})
        .returning(SurveyCard.id))


async def card_for_call(ctx: Context, session: AsyncSession, *, event: CallRegistered) -> None:
    """SPEC Q24/S24: every registered call gets a card, to be sent the next morning.

    One statement (issue 17): the card goes in with the call's fields, or, when an event
    about the call came first and made it, those fields are set on it; the row lock the
    upsert takes orders it with the other events' updates, as ``_card`` does."""
    branch = ctx.branch(event.branch)
    call_date = branch.local_date(event.received_at)
    from_call = {
        "call_date": call_date, "customer_name": event.customer_name,
        # Issue 14: where the survey link goes (e-mail, else this address by post).
        "customer_email": event.customer_email, "customer_language": event.customer_language,
        "customer_address": event.customer_address,
        "send_due_at": rules.send_due_at(call_date, branch.zone, ctx.settings.survey_send_at),
    }
    card_id = await session.scalar(
        _upsert_card_statement(is_sqlite(session), tuple(from_call)),
        {"call_id": event.call_id, "voucher_no": event.voucher_no, "branch": event.branch,
         "status": rules.PENDING, "created_at": ctx.now(), **from_call})
    await ctx.audit.record(session, actor=_system(ctx), action="card.prepared",
                           subject_type=SUBJECT, subject_id=card_id,
                           detail={"call_date": call_date.isoformat()})
    ctx.wake_after_commit(session, SEND_WATCHER, due=from_call["send_due_at"])


async def technician_assigned(
    ctx: Context, session: AsyncSession, *, event: VoucherAssigned
) -> None:
    """SPEC Q24: the card names the technician of the latest assignment."""
    card = await _card(ctx, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    if rules.takes_assignment(completed=card.completed_at is not None,
                              assigned_at=card.assigned_at, new_assigned_at=event.occurred_at):
        card.technician_id = event.technician_id
        card.assigned_at = event.occurred_at


async def job_completed(ctx: Context, session: AsyncSession, *, event: VoucherCompleted) -> None:
    """SPEC Q24: the technician who completed the job is the one the card rates."""
    card = await _card(ctx, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    card.technician_id = event.technician_id
    card.completed_at = event.completed_at


async def call_cancelled(ctx: Context, session: AsyncSession, *, event: CallCancelled) -> None:
    """A cancelled call's card is marked cancelled, not dropped (its link stops working)."""
    card = await _card(ctx, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    card.status = rules.status_after_cancel(card.status)
    card.cancelled_at = event.occurred_at
    card.cancel_reason = event.reason[:200]
    await session.flush()
    await ctx.audit.record(session, actor=_system(ctx), action="card.cancelled",
                           subject_type=SUBJECT, subject_id=card.id,
                           detail={"reason": event.reason})


async def complaint_filed(ctx: Context, session: AsyncSession, *, event: ComplaintFiled) -> None:
    """SPEC Q26/Q27: record which complaint case a card's complaint became."""
    if event.source_card_id is None:
        return
    card = await session.get(SurveyCard, event.source_card_id, with_for_update=True)
    if card is None:
        log.warning("complaint %s names unknown card %s", event.case_no, event.source_card_id)
        return
    card.complaint_case_no = event.case_no
    await ctx.audit.record(session, actor=_system(ctx), action="complaint.filed",
                           subject_type=SUBJECT, subject_id=card.id,
                           detail={"case_no": event.case_no})


async def next_send_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending registered card is due to go out (Q24)."""
    return await session.scalar(
        select(func.min(SurveyCard.send_due_at)).where(
            SurveyCard.status == rules.PENDING, SurveyCard.send_due_at.is_not(None)
        )
    )


async def send_due_cards(ctx: Context, session: AsyncSession, *, now: datetime) -> int:
    """SPEC Q24: the next morning, the day's cards are sent and their one-time links issued.

    Cancelled cards stay cancelled; only pending registered cards whose morning came go.
    Each card sent queues its survey-link letter in this transaction (issue 14): by
    e-mail to the customer, or printed for the post when the file has no address.
    """
    query = (
        select(SurveyCard)
        .where(SurveyCard.status == rules.PENDING, SurveyCard.send_due_at <= now)
        .order_by(SurveyCard.id)
        .limit(SEND_BATCH)
    )
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    cards = list(await session.scalars(query))
    system = _system(ctx)
    for card in cards:
        card.status = rules.SENT
        card.sent_at = now
        card.link_nonce = links.new_nonce()
        card.link_expires_at = now + timedelta(days=ctx.settings.survey_link_ttl_days)
        path = link_of(ctx, card)
        assert path is not None
        letter = await letters.queue_survey_link(ctx, session, card=card, path=path,
                                                 actor=system)
        await ctx.audit.record(session, actor=system, action="card.sent",
                               subject_type=SUBJECT, subject_id=card.id,
                               detail={"link_expires_at": card.link_expires_at.isoformat(),
                                       "letter": str(letter.id), "letter_status": letter.status})
    if len(cards) == SEND_BATCH:
        ctx.wake_after_commit(session, SEND_WATCHER)
    return len(cards)


def link_key(ctx: Context) -> bytes:
    """The key survey links are signed with, derived from the service secret (Q25)."""
    return links.link_key(ctx.settings.jwt_secret)


def link_of(ctx: Context, card: SurveyCard) -> str | None:
    """The path of the card's one-time link, once it was sent (Q25)."""
    if card.link_nonce is None or card.link_expires_at is None:
        return None
    token = links.sign(link_key(ctx), card_id=card.id, expires_at=card.link_expires_at,
                       nonce=card.link_nonce)
    return f"/s/{token}"


async def cards_of_day(
    ctx: Context, session: AsyncSession, *, actor: Actor, day: date, branch: str | None = None
) -> list[SurveyCard]:
    """SPEC Q24: the cards for every call registered that day, in the caller's branch (or
    the branch asked for; a branchless head-office caller without one: every branch)."""
    if branch is not None:
        ctx.branch(branch)
    scope = scoped_branch(actor, branch)
    query = select(SurveyCard).where(SurveyCard.call_date == day)
    if scope is not None:
        query = query.where(SurveyCard.branch == scope)
    return list(await session.scalars(query.order_by(SurveyCard.call_id)))


async def load_card(
    session: AsyncSession, card_id: int, *, actor: Actor | None, lock: bool = False
) -> SurveyCard:
    """A registered card (locked FOR UPDATE when asked), checked against the caller's
    branch; 404 if there is none (a row made by an early dispatch event is no card yet)."""
    card = await session.get(SurveyCard, card_id, with_for_update=lock or None,
                             populate_existing=lock)
    if card is None or card.call_date is None:
        raise NotFound(f"no survey card {card_id}", field="id")
    if actor is not None:
        require_branch(actor, card.branch)
    return card


async def card_detail(
    ctx: Context, session: AsyncSession, *, actor: Actor, card_id: int
) -> SurveyCard:
    """One card, for the service department or the card's branch."""
    return await load_card(session, card_id, actor=actor)
