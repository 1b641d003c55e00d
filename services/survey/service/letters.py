"""The survey-link letter of a card (SPEC Q24/Q25, issue 14).

Invariant: a card is marked sent and its letter is queued in the same transaction
(``ctx.letters.queue``, unique per ``("survey_link", card id)``), so a sent card always
has exactly one letter and a rolled-back send leaves none. The letter goes by e-mail when
the customer file has an address, otherwise it waits on the letters page to be printed
and posted (status ``postal``); the relay in ``shared.letters`` does the sending.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.letter_text import letter_language
from shared.letters import Letter

from ..domain import letters as texts
from ..models import SurveyCard


def public_base(ctx: Context) -> str:
    """Where customers reach the survey service: ``AFTERSALES_PUBLIC_URL``, else the
    console link configured for survey, else this process's own address."""
    settings = ctx.settings
    base = settings.public_url or settings.console_links.get(settings.service)
    return (base or f"http://{settings.host}:{settings.http_port}").rstrip("/")


async def queue_survey_link(ctx: Context, session: AsyncSession, *, card: SurveyCard,
                            path: str, actor: Actor) -> Letter:
    """Q24/Q25: queue the letter carrying the card's one-time link ``path`` (``/s/...``),
    in the customer's language (the branch's when the file names none)."""
    assert card.link_expires_at is not None, "a sent card has its link"
    branch = ctx.branch(card.branch)
    language = letter_language(card.customer_language, branch.language)
    letter = texts.survey_link_letter(
        language=language, name=card.customer_name, voucher_no=card.voucher_no,
        link=public_base(ctx) + path, expires_on=branch.local_date(card.link_expires_at),
    )
    return await ctx.letters.queue(
        session, kind=texts.KIND, ref=card.id, to_email=card.customer_email,
        to_name=card.customer_name or "", to_postal=card.customer_address,
        language=letter.language, subject=letter.subject, text=letter.text, actor=actor,
        branch=card.branch,
    )


async def letters_of(ctx: Context, session: AsyncSession,
                     card_ids: Iterable[int]) -> dict[int, Letter]:
    """The survey-link letter of each of ``card_ids`` that has one (for the card lists:
    pending, sent, failed or to print)."""
    wanted = [str(i) for i in card_ids]
    if not wanted:
        return {}
    table = ctx.letters.table
    rows = await session.execute(
        select(table).where(table.c.kind == texts.KIND, table.c.ref.in_(wanted)))
    return {int(row.ref): Letter.of(row) for row in rows}


async def letter_of(ctx: Context, session: AsyncSession, card_id: int) -> Letter | None:
    """The survey-link letter of one card, if it was sent."""
    return await ctx.letters.find(session, kind=texts.KIND, ref=card_id)

