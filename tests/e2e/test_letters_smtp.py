"""Letters to customers through a real SMTP server process (issue 14, deliver 5).

The mail sink (``python -m tools.mail_sink``, aiosmtpd) runs as a child process; the
survey service runs in-process on the test's database, its relay sending with aiosmtplib.
What arrives is read back from the sink: subject, To, body, Message-ID. SMTP down leaves
the letter pending with the error until the server comes, then it goes exactly once; two
relays racing over the same letters (PostgreSQL) deliver each letter once.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shared.clock import SystemClock
from shared.db import Database
from shared.letters import Letter
from shared.mail import LetterRelay, SmtpSender, message_id
from tests.helpers import eventually, running, token
from tests.infra import ENGINES
from tools.launcher import free_port
from tools.mail_sink import MailSinkProcess

pytestmark = pytest.mark.integration

SENDER = "SC01 service centre <service@sc01.example.com>"


@pytest.fixture
def sinks(tmp_path: Path) -> Iterator[list[MailSinkProcess]]:
    """Sinks a test starts; all stopped at its end."""
    made: list[MailSinkProcess] = []
    yield made
    for sink in made:
        sink.stop()


def _sink(sinks: list[MailSinkProcess], tmp_path: Path, *, smtp_port: int | None = None,
          refuse: tuple[str, ...] = ()) -> MailSinkProcess:
    sink = MailSinkProcess(smtp_port=smtp_port or free_port(), http_port=free_port(),
                           directory=tmp_path / "mail", log=tmp_path / "sink.log",
                           refuse=refuse)
    sinks.append(sink.start().wait_ready())
    return sink


def _survey(ns, smtp_port: int | None, engine: str = "postgresql"):
    from services.survey.app import create_app

    smtp = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_tls": "none"} if (
        smtp_port) else {}
    if engine == "postgresql" and not ns.infra.database_url:
        engine = "sqlite"  # the machine has no PostgreSQL: the suite runs on SQLite alone
    return create_app(ns.on_engine("survey", engine, smtp_sender=SENDER,
                                   letters_poll_seconds=0.2, letters_retry_seconds=0.2,
                                   **smtp))


async def _queue(rt, *, ref: str, to_email: str | None = "wu.mei@example.com") -> Letter:
    async with rt.db.transaction() as session:
        return await rt.letters.queue(
            session, kind="survey_link", ref=ref, to_email=to_email, to_name="吴美",
            to_postal="上海市徐汇区淮海路88号", language="zh-Hans",
            subject=f"请评价我们的服务 {ref}", text=f"您好,\n\n请点击链接评价:{ref}", branch="SC01")


async def _letter(rt, letter: Letter) -> Letter:
    async with rt.db.reading() as session:
        return await rt.letters.get(session, letter.id)


async def _messages(sink: MailSinkProcess) -> list[dict[str, object]]:
    return await asyncio.to_thread(sink.messages)


async def test_a_queued_letter_is_delivered_and_read_back_from_the_sink(
    ns, tmp_path: Path, sinks: list[MailSinkProcess]
) -> None:
    sink = _sink(sinks, tmp_path, refuse=("@refused.invalid",))
    app = _survey(ns, sink.smtp_port)
    async with running(app) as client:
        rt = app.state.runtime
        letter = await _queue(rt, ref="7001")
        refused = await _queue(rt, ref="7002", to_email="nobody@refused.invalid")
        postal = await _queue(rt, ref="7003", to_email=None)

        async def delivered() -> list[dict[str, object]]:
            return [m for m in await _messages(sink) if m["letter"] == "survey_link 7001"]

        [message] = await eventually(delivered)
        assert message["subject"] == "请评价我们的服务 7001"
        assert message["to"] == "吴美 <wu.mei@example.com>"
        assert message["rcpt_tos"] == ["wu.mei@example.com"]
        assert message["from"] == SENDER
        assert "请点击链接评价:7001" in str(message["text"])
        assert message["message_id"] == message_id(letter.id, SENDER)
        assert message["language"] == "zh-Hans"
        sent = await eventually(lambda: _status(rt, letter, "sent"))
        assert sent.attempts == 1 and sent.sent_at is not None and sent.last_error is None
        assert list((tmp_path / "mail").glob("*.eml"))  # kept on disk for the newcomer too

        # a 550 for the mailbox is permanent: failed at once, with the server's answer
        failed = await eventually(lambda: _status(rt, refused, "failed"))
        assert failed.attempts == 1 and "550" in (failed.last_error or "")
        assert (await _letter(rt, postal)).status == "postal"

        # the page lists them; the retry puts the failed one back, and it fails again
        admin = token("admin", "ADM", None)
        page = await client.get("/letters", headers=admin)
        assert page.status_code == 200
        assert str(letter.id) in page.text and 'data-status="failed"' in page.text
        assert 'data-status="postal"' in page.text
        clerk = await client.get("/letters", headers=token("clerk", "C01", "SC01"))
        assert clerk.status_code == 403
        retry = await client.post(f"/letters/{refused.id}/retry", headers=admin)
        assert retry.status_code == 303
        # the retry committed "pending" before answering; failing again shows it was tried
        again = await eventually(lambda: _status(rt, refused, "failed"))
        assert again.attempts == 1
        not_failed = await client.post(f"/letters/{letter.id}/retry", headers=admin)
        assert not_failed.status_code == 409

        printable = await client.get(f"/letters/{postal.id}/pdf",
                                     headers=token("service_dept", "SD01", None))
        assert printable.status_code == 200
        assert printable.headers["content-type"] == "application/pdf"
        text = (await asyncio.to_thread(
            subprocess.run, ["pdftotext", "-", "-"], input=printable.content,
            capture_output=True, check=True)).stdout.decode()
        assert "上海市徐汇区淮海路88号" in text and "请评价我们的服务 7003" in text

        metrics = await client.get("/metrics")
        assert 'aftersales_letters{status="sent"} 1.0' in metrics.text
        assert 'aftersales_letters{status="postal"} 1.0' in metrics.text
    assert len(await _messages(sink)) == 1  # the refused one never arrived


async def _status(rt, letter: Letter, status: str) -> Letter | None:
    """The letter once it is in ``status``."""
    now = await _letter(rt, letter)
    return now if now.status == status else None


@pytest.mark.parametrize("engine", ENGINES)
async def test_smtp_down_keeps_the_letter_pending_until_the_server_comes(
    ns, tmp_path: Path, sinks: list[MailSinkProcess], engine: str
) -> None:
    port = free_port()  # nothing listens there yet
    app = _survey(ns, port, engine)
    async with running(app):
        rt = app.state.runtime
        letter = await _queue(rt, ref="8001")

        async def retried() -> Letter | None:
            now = await _letter(rt, letter)
            return now if now.attempts >= 2 else None

        waiting = await eventually(retried)
        assert waiting.status == "pending" and waiting.sent_at is None
        assert waiting.last_error and "Connect" in waiting.last_error

        sink = _sink(sinks, tmp_path, smtp_port=port)
        sent = await eventually(lambda: _status(rt, letter, "sent"), within=30)
        assert sent.attempts > waiting.attempts
        # exactly once: nothing more is due, and the sink holds one copy
        assert await rt.letter_relay.flush() == 0
        [message] = await _messages(sink)
        assert message["message_id"] == message_id(letter.id, SENDER)


async def test_two_relays_racing_deliver_each_letter_once(
    ns, tmp_path: Path, sinks: list[MailSinkProcess]
) -> None:
    if not ns.infra.database_url:
        pytest.skip("the race is PostgreSQL's FOR UPDATE SKIP LOCKED; SQLite has one writer")
    sink = _sink(sinks, tmp_path)
    app = _survey(ns, None)  # no SMTP: its own relay sends nothing, the two below race
    async with running(app):
        rt = app.state.runtime
        letters = [await _queue(rt, ref=f"9{n:03d}") for n in range(24)]
        clock = SystemClock()
        databases = [Database(rt.settings.sqlalchemy_url()) for _ in range(2)]
        relays = [LetterRelay(db=db, table=rt.plumbing.letters, clock=clock,
                              sender=SmtpSender(host="127.0.0.1", port=sink.smtp_port,
                                                tls="none", timeout=10),
                              from_address=SENDER, first_back_off=timedelta(seconds=0.2))
                  for db in databases]
        try:
            counts = await asyncio.gather(*(relay.flush() for relay in relays))
        finally:
            for db in databases:
                await db.dispose()
        assert sum(counts) == len(letters)
        ids = Counter(str(m["message_id"]) for m in await _messages(sink))
        assert ids == Counter(message_id(x.id, SENDER) for x in letters)
        table = rt.plumbing.letters
        async with rt.db.reading() as session:
            rows = (await session.execute(select(table.c.status, table.c.attempts))).all()
        assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}


def test_the_sink_page_escapes_what_it_shows(tmp_path: Path,
                                             sinks: list[MailSinkProcess]) -> None:
    import smtplib
    from email.message import EmailMessage

    sink = _sink(sinks, tmp_path)
    message = EmailMessage()
    message["From"], message["To"] = "a@example.com", "b@example.com"
    message["Subject"] = "<script>alert(1)</script>"
    message.set_content("<b>body</b>")
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
    listing = httpx.get(sink.url, timeout=5).text
    one = httpx.get(f"{sink.url}1", timeout=5).text
    for page in (listing, one):
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;body&lt;/b&gt;" in one
    assert httpx.get(f"{sink.url}2", timeout=5).status_code == 404
