"""SPEC Q24/Q25 with issue 14 on survey's service layer (shared.testing fakes, SQLite in
memory): sending a card queues exactly one survey-link letter in the same transaction,
to the customer's e-mail (else a postal letter to their address), in their language
(else the branch's), carrying the card's one-time public link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from sqlalchemy import func, select

from services.survey.models import Base, SurveyCard, plumbing
from services.survey.service import cards, letters
from shared.clock import FixedClock
from shared.settings import Settings
from shared.testing import fake_context, memory_database
from tests.survey.support import Fast, registered

FRIDAY = datetime.fromisoformat("2026-03-13T10:00:00+08:00")
SATURDAY_MORNING = datetime.fromisoformat("2026-03-14T09:30:00+08:00")
PUBLIC = "https://survey.example.com"


@asynccontextmanager
async def survey(**settings: object) -> AsyncIterator[Fast]:
    clock = FixedClock(FRIDAY)
    ctx, outbox = fake_context(plumbing, clock=clock, service="survey", settings=Settings(
        service="survey", **{"public_url": PUBLIC, **settings}))  # type: ignore[arg-type]
    async with memory_database(Base.metadata) as db:
        yield Fast(ctx=ctx, outbox=outbox, clock=clock, db=db)


async def _register(s: Fast, call_id: int, **contact: str | None) -> None:
    event = registered(call_id, "2026-03-13T10:00:00+08:00", customer="Chen Jing")
    event = event.model_copy(update={"customer_address": "88 Huaihai Rd, Xuhui", **contact})
    async with s.db.transaction() as session:
        await cards.card_for_call(s.ctx, session, event=event)


async def _send(s: Fast) -> int:
    s.clock.advance(SATURDAY_MORNING - s.clock.now())
    async with s.db.transaction() as session:
        return await cards.send_due_cards(s.ctx, session, now=s.clock.now())


async def _letters_count(s: Fast) -> int:
    table = plumbing.letters
    async with s.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_q24_sent_card_queues_one_email_letter_with_its_link_in_the_customers_language(
) -> None:
    async with survey() as s:
        await _register(s, 1, customer_email="chen.jing@example.com",
                        customer_language="zh-Hant")
        assert await _letters_count(s) == 0  # nothing before the morning
        assert await _send(s) == 1
        async with s.db.reading() as session:
            card = await session.scalar(select(SurveyCard).where(SurveyCard.call_id == 1))
            assert card is not None
            letter = await letters.letter_of(s.ctx, session, card.id)
        assert letter is not None
        path = cards.link_of(s.ctx, card)
        assert path is not None and path.startswith("/s/")
        assert (letter.kind, letter.ref, letter.status, letter.to_email, letter.language) == (
            "survey_link", str(card.id), "pending", "chen.jing@example.com", "zh-Hant")
        assert f"{PUBLIC}{path}" in letter.text
        assert "請開啟以下連結" in letter.text and "維修單 V000001" in letter.subject
        assert letter.branch == "SC01"
        assert letter.to_postal == "88 Huaihai Rd, Xuhui"

        # the next morning's run finds nothing pending: still one letter
        async with s.db.transaction() as session:
            assert await cards.send_due_cards(s.ctx, session, now=s.clock.now()) == 0
        assert await _letters_count(s) == 1


async def test_q24_without_email_the_link_is_a_postal_letter_in_the_branch_language() -> None:
    async with survey() as s:
        await _register(s, 2, customer_email=None, customer_language=None)
        await _send(s)
        async with s.db.reading() as session:
            found = await letters.letters_of(s.ctx, session, [c.id for c in await session.scalars(
                select(SurveyCard))])
        (letter,) = found.values()
        # SC01 writes in zh-Hans; no e-mail: printed for the post, to the customer's address
        assert (letter.status, letter.to_email, letter.language, letter.to_postal) == (
            "postal", None, "zh-Hans", "88 Huaihai Rd, Xuhui")
        assert "请打开以下链接" in letter.text and "/s/" in letter.text


async def test_q24_english_customer_gets_english_and_default_base_is_console_link() -> None:
    async with survey(public_url=None,
                      console_links={"survey": "https://cards.example.org/"}) as s:
        await _register(s, 3, customer_email="ann@example.org", customer_language="en")
        await _send(s)
        async with s.db.reading() as session:
            (card,) = await session.scalars(select(SurveyCard))
            letter = await letters.letter_of(s.ctx, session, card.id)
        assert letter is not None and letter.language == "en"
        assert letter.subject == "How did we do? Your repair V000003"
        assert "Open this link to fill in the opinion card" in letter.text
        assert f"https://cards.example.org{cards.link_of(s.ctx, card)}" in letter.text


async def test_q24_a_rolled_back_send_leaves_no_letter_and_the_card_pending() -> None:
    async with survey() as s:
        await _register(s, 4, customer_email="x@example.com")
        s.clock.advance(SATURDAY_MORNING - s.clock.now())

        class Boom(Exception):
            pass

        with pytest.raises(Boom):
            async with s.db.transaction() as session:
                assert await cards.send_due_cards(s.ctx, session, now=s.clock.now()) == 1
                raise Boom
        assert await _letters_count(s) == 0
        async with s.db.reading() as session:
            (card,) = await session.scalars(select(SurveyCard))
            assert (card.status, card.sent_at) == ("pending", None)
        assert await _send(s) == 1  # the next run sends it, with its one letter
        assert await _letters_count(s) == 1
