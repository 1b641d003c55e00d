"""Answering a card: keyed in from paper by the service department, or given by the
customer through the card's signed one-time link (SPEC Q25, Q26).

Invariant: a card is answered once. The card row is locked while answering, the answer,
its audit entry and, when the card carries a complaint or suggestion, the
``SurveyComplaintRaised`` event commit in one transaction (SPEC Q26: handled at once).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.auth import Actor, require_branch
from shared.events.survey import SurveyComplaintRaised
from shared.rules import NotFound
from shared.runtime import Runtime

from . import domain, links
from .models import SurveyCard, plumbing
from .schemas import AnswerIn

CUSTOMER = Actor(user_id="customer", role="customer")


class LinkRefused(Exception):
    """A link that cannot be used: 403 if not ours, 410 if used, expired or withdrawn."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


async def _locked_card(session: AsyncSession, card_id: int) -> SurveyCard | None:
    card = await session.scalar(
        select(SurveyCard).where(SurveyCard.id == card_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    # A row made by a dispatch event before the call's registration is not a card yet.
    return card if card is not None and card.call_date is not None else None


async def _record(
    rt: Runtime, session: AsyncSession, card: SurveyCard, answer: domain.Answer, *,
    via: str, actor: Actor,
) -> None:
    now = rt.clock.now()
    card.attitude, card.skill = answer.attitude, answer.skill
    card.arrival, card.follow_through = answer.arrival, answer.follow_through
    card.comment = answer.comment
    card.status = domain.ANSWERED
    card.answered_at, card.answered_via, card.answered_by = now, via, actor.user_id
    complaint = answer.complaint
    if complaint is not None:
        card.complaint_kind = complaint.kind
        card.complaint_severity = complaint.severity
        card.complaint_text = complaint.text
        await rt.outbox.add(session, SurveyComplaintRaised(
            card_id=card.id, call_id=card.call_id, voucher_no=card.voucher_no,
            branch=card.branch, technician_id=card.technician_id,
            customer_name=card.customer_name or "", severity=complaint.severity,
            text=complaint.text, kind=complaint.kind, answered_via=via,
            occurred_at=now,
        ))
    await audit.record(
        session, plumbing.audit_log, actor=actor, action="card.answered",
        subject_type="survey_card", subject_id=card.id, at=now,
        detail={"via": via, **{d: getattr(answer, d) for d in domain.DIMENSIONS},
                "complaint": complaint.severity if complaint else None},
    )


async def answer_on_paper(
    rt: Runtime, session: AsyncSession, *, actor: Actor, card_id: int, data: AnswerIn
) -> SurveyCard:
    """SPEC Q25: key in a paper card's answer; a complaint on it is raised (Q26)."""
    card = await _locked_card(session, card_id)
    if card is None:
        raise NotFound(f"no survey card {card_id}", field="id")
    require_branch(actor, card.branch)
    domain.ensure_answerable(card.status, via="paper")
    complaint = None
    if data.complaint is not None:
        c = data.complaint
        complaint = domain.check_complaint(c.severity, c.text, c.kind)
    answer = domain.check_answer(data.model_dump(include=set(domain.DIMENSIONS)),
                                 comment=data.comment, complaint=complaint)
    await _record(rt, session, card, answer, via="paper", actor=actor)
    return card


async def open_link(rt: Runtime, session: AsyncSession, *, token: str) -> SurveyCard:
    """SPEC Q25: the card behind a genuine, unexpired, unused link; else ``LinkRefused``."""
    try:
        claims = links.read(links.link_key(rt.settings.jwt_secret), token)
    except links.BadLink:
        raise LinkRefused(403, "This survey link is not valid. Please check the address "
                               "you were sent.") from None
    card = await _locked_card(session, claims.card_id)
    if card is None or card.link_nonce != claims.nonce or card.link_expires_at is None:
        raise LinkRefused(403, "This survey link is not valid any more.")
    if card.status == domain.ANSWERED:
        raise LinkRefused(410, "This survey has already been answered. Thank you!")
    if card.status == domain.CANCELLED:
        raise LinkRefused(410, "This service call was cancelled, so there is no survey "
                               "to answer.")
    if rt.clock.now() >= card.link_expires_at:
        raise LinkRefused(410, "This survey link has expired.")
    return card


def answer_from_form(form: Mapping[str, str]) -> domain.Answer:
    """SPEC Q25: the link form's fields as an answer (every level 1..4, named on error)."""
    complaint = None
    text = form.get("complaint_text", "").strip()
    if text:
        complaint = domain.check_complaint(
            form.get("complaint_severity", "general"), text,
            form.get("complaint_kind", "complaint"), prefix="complaint_",
        )
    return domain.check_answer(form, comment=form.get("comment"), complaint=complaint)


async def answer_by_link(
    rt: Runtime, session: AsyncSession, *, token: str, form: Mapping[str, str]
) -> SurveyCard:
    """SPEC Q25: the customer's own answer through the one-time link (used up by it)."""
    card = await open_link(rt, session, token=token)
    answer = answer_from_form(form)
    domain.ensure_answerable(card.status, via="link")
    await _record(rt, session, card, answer, via="link", actor=CUSTOMER)
    return card


async def card_detail(
    rt: Runtime, session: AsyncSession, *, actor: Actor, card_id: int
) -> SurveyCard:
    """One card, for the service department or the card's branch."""
    card = await session.get(SurveyCard, card_id)
    if card is None or card.call_date is None:
        raise NotFound(f"no survey card {card_id}", field="id")
    require_branch(actor, card.branch)
    return card
