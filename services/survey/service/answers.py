"""Answering a card: keyed in from paper by the service department, or given by the
customer through the card's signed one-time link (SPEC Q25, Q26).

Invariant: a card is answered once, even when the same answer arrives twenty times at
once. The card row is locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers
with ``BEGIN IMMEDIATE``) *before* its state is checked, so the first answer commits and
every later one sees it answered. The answer and its audit entry commit in one
transaction. A complaint or suggestion on the card is recorded as awaiting the service
department's triage (SPEC Q26, ``service.triage``); it is forwarded only then.

A link that cannot be used raises the shared refusals: ``Forbidden`` when it is not
ours (or not any more), ``WrongState`` when it was used, expired or withdrawn (the
link page answers that 410, "no longer usable").
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.fields import Text
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState

from ..domain import cards as rules
from ..domain import links, triage
from ..models import SurveyCard
from ..schemas import AnswerIn
from .cards import SUBJECT, link_key, load_card

CUSTOMER = Actor(user_id="customer", role="customer")
_TEXT = TypeAdapter(Text)


async def _record(
    ctx: Context, session: AsyncSession, card: SurveyCard, answer: rules.Answer, *,
    via: str, actor: Actor,
) -> None:
    now = ctx.now()
    card.attitude, card.skill = answer.attitude, answer.skill
    card.arrival, card.follow_through = answer.arrival, answer.follow_through
    card.comment = answer.comment
    card.status = rules.ANSWERED
    card.answered_at, card.answered_via, card.answered_by = now, via, actor.user_id
    complaint = answer.complaint
    if complaint is not None:
        # SPEC Q26: the customer's tick is kept, not forwarded; the service department
        # triages the severity first (service.triage), and only then is it raised.
        card.complaint_kind = complaint.kind
        card.complaint_customer_severity = complaint.severity
        card.complaint_text = complaint.text
        card.complaint_status = triage.AWAITING
    await ctx.audit.record(
        session, actor=actor, action="card.answered", subject_type=SUBJECT,
        subject_id=card.id, at=now,
        detail={"via": via, **{d: getattr(answer, d) for d in rules.DIMENSIONS},
                "complaint": complaint.severity if complaint else None,
                "complaint_kind": complaint.kind if complaint else None},
    )


async def answer_on_paper(
    ctx: Context, session: AsyncSession, *, actor: Actor, card_id: int, data: AnswerIn
) -> SurveyCard:
    """SPEC Q25: key in a paper card's answer; a complaint on it awaits triage (Q26)."""
    card = await load_card(session, card_id, actor=actor, lock=True)
    rules.ensure_answerable(card.status, via="paper")
    complaint = None
    if data.complaint is not None:
        c = data.complaint
        complaint = rules.check_complaint(c.severity, c.text, c.kind)
    answer = rules.check_answer(data.model_dump(include=set(rules.DIMENSIONS)),
                                comment=data.comment, complaint=complaint)
    await _record(ctx, session, card, answer, via="paper", actor=actor)
    return card


async def open_link(
    ctx: Context, session: AsyncSession, *, token: str, lock: bool = False
) -> SurveyCard:
    """SPEC Q25: the card behind a genuine, unexpired, unused link (locked when asked)."""
    try:
        claims = links.read(link_key(ctx), token)
    except links.BadLink:
        raise Forbidden("This survey link is not valid. Please check the address you "
                        "were sent.", field="token", rule="Q25") from None
    try:
        card = await load_card(session, claims.card_id, actor=None, lock=lock)
    except NotFound:
        card = None
    if card is None or card.link_nonce != claims.nonce or card.link_expires_at is None:
        raise Forbidden("This survey link is not valid any more.", field="token", rule="Q25")
    if card.status == rules.ANSWERED:
        raise WrongState("This survey has already been answered. Thank you!",
                         field="token", rule="Q25")
    if card.status == rules.CANCELLED:
        raise WrongState("This service call was cancelled, so there is no survey to "
                         "answer.", field="token", rule="Q24")
    if ctx.now() >= card.link_expires_at:
        raise WrongState("This survey link has expired.", field="token", rule="Q25")
    return card


def _text(form: Mapping[str, str], name: str) -> str:
    """A free-text form field, refused (naming it) if it carries control characters."""
    try:
        return _TEXT.validate_python(form.get(name, ""))
    except ValidationError as exc:
        message = str(exc.errors()[0].get("msg", "invalid text")).removeprefix("Value error, ")
        raise RuleBroken(message, field=name) from None


def answer_from_form(form: Mapping[str, str]) -> rules.Answer:
    """SPEC Q25: the link form's fields as an answer (every level 1..4, named on error)."""
    complaint = None
    text = _text(form, "complaint_text")
    if text:
        complaint = rules.check_complaint(
            form.get("complaint_severity", "general"), text,
            form.get("complaint_kind", "complaint"), prefix="complaint_",
        )
    return rules.check_answer(form, comment=_text(form, "comment"), complaint=complaint)


async def answer_by_link(
    ctx: Context, session: AsyncSession, *, token: str, form: Mapping[str, str]
) -> SurveyCard:
    """SPEC Q25: the customer's own answer through the one-time link (used up by it)."""
    card = await open_link(ctx, session, token=token, lock=True)
    answer = answer_from_form(form)
    rules.ensure_answerable(card.status, via="link")
    await _record(ctx, session, card, answer, via="link", actor=CUSTOMER)
    return card
