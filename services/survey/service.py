"""Survey use cases for cards: built from intake's and dispatch's events, sent the next
morning, listed per day (SPEC Q24, S24).

Invariant: exactly one card per call. Every event about a call upserts the card by
``call_id`` first (``INSERT … ON CONFLICT DO NOTHING``) and then locks it, so events
arriving in any order, or concurrently on different consumers, never make a second
card nor lose an update.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor, require_branch
from shared.events.complaints import ComplaintFiled
from shared.events.dispatch import VoucherAssigned, VoucherCompleted
from shared.events.intake import CallCancelled, CallRegistered
from shared.runtime import Runtime

from . import domain, links
from .models import SurveyCard, plumbing

log = logging.getLogger("aftersales.survey")
SEND_WATCHER = "send-cards"


async def _card(
    rt: Runtime, session: AsyncSession, *, call_id: int, voucher_no: str, branch: str
) -> SurveyCard:
    """The call's card, created if this is the first event about the call, locked."""
    dialect: Any = sqlite if rt.db.is_sqlite else postgresql
    await session.execute(
        dialect.insert(SurveyCard)
        .values(call_id=call_id, voucher_no=voucher_no, branch=branch,
                status=domain.PENDING, created_at=rt.clock.now())
        .on_conflict_do_nothing()
    )
    card = await session.scalar(
        select(SurveyCard).where(SurveyCard.call_id == call_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    assert card is not None, f"card of call {call_id}"
    return card


def _system(rt: Runtime) -> Actor:
    return Actor.system(rt.settings.service)


async def _audit(rt: Runtime, session: AsyncSession, card: SurveyCard, action: str,
                 actor: Actor | None = None, **detail: Any) -> None:
    await audit.record(
        session, plumbing.audit_log, actor=actor or _system(rt), action=action,
        subject_type="survey_card", subject_id=card.id, at=rt.clock.now(), detail=detail or None,
    )


async def card_for_call(rt: Runtime, session: AsyncSession, event: CallRegistered) -> None:
    """SPEC Q24/S24: every registered call gets a card, to be sent the next morning."""
    tz = rt.branch(event.branch).timezone
    card = await _card(rt, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    card.call_date = domain.call_day(event.received_at, tz)
    card.customer_name = event.customer_name
    card.send_due_at = domain.send_due_at(card.call_date, tz, rt.settings.survey_send_at)
    await session.flush()
    await _audit(rt, session, card, "card.prepared", call_date=card.call_date.isoformat())
    rt.watchers[SEND_WATCHER].wake_after_commit(session)


async def technician_assigned(rt: Runtime, session: AsyncSession, event: VoucherAssigned) -> None:
    """SPEC Q24: the card names the technician of the latest assignment."""
    card = await _card(rt, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    if domain.takes_assignment(completed=card.completed_at is not None,
                               assigned_at=card.assigned_at, new_assigned_at=event.occurred_at):
        card.technician_id = event.technician_id
        card.assigned_at = event.occurred_at


async def job_completed(rt: Runtime, session: AsyncSession, event: VoucherCompleted) -> None:
    """SPEC Q24: the technician who completed the job is the one the card rates."""
    card = await _card(rt, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    card.technician_id = event.technician_id
    card.completed_at = event.completed_at


async def call_cancelled(rt: Runtime, session: AsyncSession, event: CallCancelled) -> None:
    """A cancelled call's card is marked cancelled, not dropped (its link stops working)."""
    card = await _card(rt, session, call_id=event.call_id, voucher_no=event.voucher_no,
                       branch=event.branch)
    card.status = domain.status_after_cancel(card.status)
    card.cancelled_at = event.occurred_at
    card.cancel_reason = event.reason[:200]
    await session.flush()
    await _audit(rt, session, card, "card.cancelled", reason=event.reason)


async def complaint_filed(rt: Runtime, session: AsyncSession, event: ComplaintFiled) -> None:
    """SPEC Q26/Q27: record which complaint case a card's complaint became."""
    if event.source_card_id is None:
        return
    card = await session.get(SurveyCard, event.source_card_id, with_for_update=True)
    if card is None:
        log.warning("complaint %s names unknown card %s", event.case_no, event.source_card_id)
        return
    card.complaint_case_no = event.case_no
    await _audit(rt, session, card, "complaint.filed", case_no=event.case_no)


async def next_send_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending registered card is due to go out (Q24)."""
    return await session.scalar(
        select(func.min(SurveyCard.send_due_at)).where(
            SurveyCard.status == domain.PENDING, SurveyCard.send_due_at.is_not(None)
        )
    )


async def send_due_cards(rt: Runtime, session: AsyncSession, now: datetime) -> int:
    """SPEC Q24: the next morning, the day's cards are sent and their one-time links issued.

    Cancelled cards stay cancelled; only pending registered cards whose morning came go.
    """
    query = (
        select(SurveyCard)
        .where(SurveyCard.status == domain.PENDING, SurveyCard.send_due_at <= now)
        .order_by(SurveyCard.id)
        .limit(500)
    )
    if not rt.db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    cards = list(await session.scalars(query))
    for card in cards:
        card.status = domain.SENT
        card.sent_at = now
        card.link_nonce = links.new_nonce()
        card.link_expires_at = now + timedelta(days=rt.settings.survey_link_ttl_days)
        await _audit(rt, session, card, "card.sent", link_expires_at=card.link_expires_at
                     .isoformat())
    if len(cards) == 500:
        rt.watchers[SEND_WATCHER].wake_after_commit(session)
    return len(cards)


def link_of(rt: Runtime, card: SurveyCard) -> str | None:
    """The path of the card's one-time link, once it was sent (Q25)."""
    if card.link_nonce is None or card.link_expires_at is None:
        return None
    token = links.sign(links.link_key(rt.settings.jwt_secret), card_id=card.id,
                       expires_at=card.link_expires_at, nonce=card.link_nonce)
    return f"/s/{token}"


async def cards_of_day(
    rt: Runtime, session: AsyncSession, *, actor: Actor, day: date, branch: str
) -> list[SurveyCard]:
    """SPEC Q24: the cards for every call registered that day in a branch."""
    rt.branch(branch)
    require_branch(actor, branch)
    rows = await session.scalars(
        select(SurveyCard)
        .where(SurveyCard.branch == branch, SurveyCard.call_date == day)
        .order_by(SurveyCard.call_id)
    )
    return list(rows)
