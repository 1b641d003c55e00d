"""Issue 14 end to end: a survey card sent (SPEC Q24) reaches the customer's mailbox with
its one-time link (Q25), in their language, through a real SMTP server process.

The mail sink (``python -m tools.mail_sink``, aiosmtpd) runs as a child process; the
survey service runs in-process on the test's NATS and database with its letter relay
sending by aiosmtplib. Intake's ``CallRegistered`` carries the customer's e-mail and
language; the morning sender marks the card sent and queues the letter; what the sink
received is read back, and the link in it opens the customer's answer form.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers import eventually
from tests.survey.support import DEPT, registered, survey_app
from tools.launcher import free_port
from tools.mail_sink import MailSinkProcess

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T10:00:00+08:00")
SATURDAY_MORNING = datetime.fromisoformat("2026-03-14T09:00:00+08:00")
PUBLIC = "https://survey.example.com"
SENDER = "SC01 service centre <service@sc01.example.com>"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSinkProcess]:
    process = MailSinkProcess(smtp_port=free_port(), http_port=free_port(),
                              directory=None, log=tmp_path / "sink.log")
    process.start().wait_ready()
    try:
        yield process
    finally:
        process.stop()


async def test_a_sent_card_emails_the_customer_their_link_in_their_language(
    ns, sink: MailSinkProcess
) -> None:
    async with survey_app(ns, now=FRIDAY, smtp_host="127.0.0.1", smtp_port=sink.smtp_port,
                          smtp_tls="none", smtp_sender=SENDER, public_url=PUBLIC,
                          letters_poll_seconds=0.2, letters_retry_seconds=0.2) as s:
        await s.publish(registered(1, "2026-03-13T10:00:00+08:00", customer="陳靜").model_copy(
            update={"customer_email": "chen.jing@example.com", "customer_language": "zh-Hant",
                    "customer_address": "台北市信義路五段7號"}))
        await s.publish(registered(2, "2026-03-13T11:00:00+08:00", customer="Wu Mei"))
        cards = await eventually(lambda: _two(s))
        await s.send_cards_at(SATURDAY_MORNING)

        async def arrived() -> list[dict[str, object]]:
            return [m for m in await asyncio.to_thread(sink.messages)
                    if m["rcpt_tos"] == ["chen.jing@example.com"]]

        [message] = await eventually(arrived)
        card = await s.card(cards[0]["id"])
        assert message["subject"] == "請評價我們的服務（維修單 V000001）"
        assert message["to"] == "陳靜 <chen.jing@example.com>"
        assert message["language"] == "zh-Hant"
        assert message["from"] == SENDER
        text = str(message["text"])
        assert "陳靜 您好" in text and "請開啟以下連結填寫意見卡" in text
        assert f"{PUBLIC}{card['link']}" in text
        assert card["letter_status"] in ("pending", "sent")

        # the link in the mail opens the customer's one-time answer form
        path = re.search(r"https://survey\.example\.com(/s/\S+)", text)
        assert path is not None and path[1] == card["link"]
        form = await s.client.get(path[1])
        assert form.status_code == 200 and "<form" in form.text

        sent = await eventually(lambda: _letter_status(s, card["id"], "sent"))
        assert sent["letter_id"]
        page = await s.client.get(f"/cards/{card['id']}", headers=DEPT)
        assert page.status_code == 200 and 'data-letter-status="sent"' in page.text
        assert "chen.jing@example.com" in page.text
        # the card without an e-mail address is a letter to print, never mailed
        other = await s.card(cards[1]["id"])
        assert other["letter_status"] == "postal"
        assert len(await asyncio.to_thread(sink.messages)) == 1


async def _two(s) -> list[dict[str, object]] | None:
    cards = await s.cards("2026-03-13")
    return sorted(cards, key=lambda c: c["call_id"]) if len(cards) == 2 else None


async def _letter_status(s, card_id: int, status: str) -> dict[str, object] | None:
    card = await s.card(card_id)
    return card if card["letter_status"] == status else None
