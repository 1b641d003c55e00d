"""Letters to customers (shared.letters, shared.mail; issue 14): queued once per business
fact, built into one deterministic MIME message, retried with a capped back-off, failed
for good only on a permanent refusal or after MAX_ATTEMPTS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import MetaData, func, select

from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database
from shared.letters import Letter, Letters
from shared.mail import (
    MAX_ATTEMPTS,
    LetterRelay,
    PermanentSendError,
    TransientSendError,
    after_failure,
    back_off,
    build_message,
    message_id,
)
from shared.plumbing import Plumbing
from shared.rules import WrongState
from shared.testing import fake_context, memory_database

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SENDER = "Service centre <service@example.com>"


def _letter_args(**over: object) -> dict[str, object]:
    args: dict[str, object] = dict(
        kind="survey_link", ref="RC-0001", to_email="wu.mei@example.com", to_name="吴美",
        to_postal="上海市徐汇区淮海路88号", language="zh-Hans", subject="请评价我们的服务",
        text="您好,请点击链接评价。\nhttps://example.com/s/abc", branch="SC01")
    args.update(over)
    return args


class FakeSender:
    """Records messages; fails with the queued errors first."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(message)


@pytest.fixture
def plumbing() -> Plumbing:
    return Plumbing(MetaData())


async def test_queuing_the_same_fact_twice_keeps_one_letter(plumbing: Plumbing) -> None:
    clock = FixedClock(AT)
    woken: list[int] = []
    letters = Letters(plumbing.letters, clock, wake=lambda: woken.append(1))
    clerk = Actor(user_id="SD01", role="service_dept", branch=None)
    async with memory_database(plumbing.letters.metadata) as db:
        async with db.transaction() as session:
            first = await letters.queue(session, **_letter_args(), actor=clerk)  # type: ignore[arg-type]
        clock.advance(timedelta(minutes=5))
        async with db.transaction() as session:
            again = await letters.queue(session, **_letter_args(subject="other"))  # type: ignore[arg-type]
            other = await letters.queue(session, **_letter_args(ref="RC-0002"))  # type: ignore[arg-type]
        async with db.reading() as session:
            count = await session.scalar(select(func.count()).select_from(plumbing.letters))
    assert again == first and again.subject == "请评价我们的服务"
    assert other.id != first.id
    assert count == 2
    assert (first.status, first.attempts, first.created_by) == ("pending", 0, "SD01")
    assert first.next_attempt_at == AT and first.channel == "email"
    assert woken == [1, 1]  # once per transaction that queued a new pending letter


async def test_a_rolled_back_letter_is_neither_kept_nor_woken(plumbing: Plumbing) -> None:
    woken: list[int] = []
    letters = Letters(plumbing.letters, FixedClock(AT), wake=lambda: woken.append(1))
    async with memory_database(plumbing.letters.metadata) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await letters.queue(session, **_letter_args())  # type: ignore[arg-type]
                raise RuntimeError("the state change failed")
        async with db.reading() as session:
            assert await letters.find(session, kind="survey_link", ref="RC-0001") is None
    assert woken == []


@pytest.mark.parametrize("address", [None, "", "not-an-address", "a@b", "x@y.com\nBcc: z@q.com"])
async def test_without_a_usable_address_the_letter_waits_to_be_printed(
    plumbing: Plumbing, address: str | None
) -> None:
    woken: list[int] = []
    letters = Letters(plumbing.letters, FixedClock(AT), wake=lambda: woken.append(1))
    async with memory_database(plumbing.letters.metadata) as db, db.transaction() as session:
        letter = await letters.queue(session, **_letter_args(to_email=address))  # type: ignore[arg-type]
    assert letter.status == "postal" and letter.next_attempt_at is None
    assert (letter.last_error is not None) == bool(address)
    assert woken == []


async def test_the_fake_context_queues_on_the_services_table(plumbing: Plumbing) -> None:
    ctx, _ = fake_context(plumbing)
    async with memory_database(plumbing.letters.metadata) as db, db.transaction() as session:
        letter = await ctx.letters.queue(session, **_letter_args())  # type: ignore[arg-type]
        assert await ctx.letters.find(session, kind="survey_link", ref="RC-0001") == letter


def _letter(plumbing: Plumbing, **over: object) -> Letter:
    values = dict(id=uuid.UUID(int=7), channel="email", status="pending",
                  attempts=0, last_error=None, next_attempt_at=AT, sent_at=None,
                  created_at=AT, created_by="system", html=None)
    values.update(_letter_args())
    values.update(over)
    return Letter(**values)  # type: ignore[arg-type]


def test_the_message_is_utf8_text_with_deterministic_headers(plumbing: Plumbing) -> None:
    letter = _letter(plumbing, subject="請評價\r\nBcc: x@y.com")
    message = build_message(letter, sender=SENDER)
    again = build_message(letter, sender=SENDER)
    assert message.as_bytes() == again.as_bytes()  # every attempt sends the same message
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<letter-00000000-0000-0000-0000-000000000007@example.com>"
    assert parsed["Message-ID"] == message_id(letter.id, SENDER)
    assert parsed["From"] == SENDER
    assert parsed["To"].addresses[0].addr_spec == "wu.mei@example.com"
    assert parsed["To"].addresses[0].display_name == "吴美"
    assert parsed["Date"].datetime == AT
    assert parsed["Content-Language"] == "zh-Hans"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Bcc"] is None  # letter.subject is stored on one line by queue; and here
    body = parsed.get_body(("plain",))
    assert body is not None and "请点击链接" in body.get_content()
    assert body.get_content_charset() == "utf-8"


def test_an_html_letter_carries_both_alternatives(plumbing: Plumbing) -> None:
    message = build_message(_letter(plumbing, html="<p>您好</p>"), sender=SENDER)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    html = parsed.get_body(("html",))
    assert html is not None and "<p>您好</p>" in html.get_content()


def test_back_off_doubles_from_30_seconds_up_to_an_hour() -> None:
    waits = [back_off(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert back_off(1000) == timedelta(hours=1)
    # MAX_ATTEMPTS spans about a day of trying before a person is asked
    total = sum((back_off(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(hours=18) < total < timedelta(hours=30)


def test_a_permanent_refusal_fails_at_once_a_transient_one_after_max_attempts() -> None:
    assert after_failure(1, PermanentSendError("550 no such user")).status == "failed"
    assert after_failure(1, TransientSendError("421 busy")).status == "pending"
    assert after_failure(1, OSError("connection refused")).status == "pending"
    assert after_failure(MAX_ATTEMPTS, TransientSendError("421")).status == "failed"
    assert after_failure(2, TransientSendError("421 busy")).error == "421 busy"


@asynccontextmanager
async def _relay_world(
    plumbing: Plumbing, sender: FakeSender, clock: FixedClock
) -> AsyncIterator[tuple[Database, LetterRelay, list[str]]]:
    """An in-memory database and a relay on it; the outcomes of its attempts."""
    async with memory_database(plumbing.letters.metadata) as db:
        outcomes: list[str] = []
        yield db, LetterRelay(db=db, table=plumbing.letters, clock=clock, sender=sender,
                              from_address=SENDER, on_attempt=outcomes.append), outcomes


async def test_the_relay_retries_a_transient_failure_after_its_back_off(
    plumbing: Plumbing,
) -> None:
    clock = FixedClock(AT)
    sender = FakeSender(TransientSendError("ConnectionRefusedError: 127.0.0.1:25"))
    letters = Letters(plumbing.letters, clock)
    async with _relay_world(plumbing, sender, clock) as (db, relay, outcomes):
        async with db.transaction() as session:
            queued = await letters.queue(session, **_letter_args())  # type: ignore[arg-type]
        assert await relay.flush() == 0
        async with db.reading() as session:
            waiting = await letters.get(session, queued.id)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert waiting.last_error is not None and "ConnectionRefused" in waiting.last_error
        assert waiting.next_attempt_at == AT + timedelta(seconds=30)
        clock.advance(timedelta(seconds=29))
        assert await relay.flush() == 0  # not due yet
        clock.advance(timedelta(seconds=1))
        assert await relay.flush() == 1
        assert await relay.flush() == 0  # sent once, never again
        async with db.reading() as session:
            sent = await letters.get(session, queued.id)
        assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (
            "sent", 2, AT + timedelta(seconds=30), None)
        assert [m["Message-ID"] for m in sender.sent] == [message_id(queued.id, SENDER)]
        assert outcomes == ["pending", "sent"]


async def test_a_permanently_refused_letter_fails_and_a_person_may_retry_it(
    plumbing: Plumbing,
) -> None:
    clock = FixedClock(AT)
    sender = FakeSender(PermanentSendError("recipient refused: 550 no such user"))
    letters = Letters(plumbing.letters, clock)
    async with _relay_world(plumbing, sender, clock) as (db, relay, _):
        async with db.transaction() as session:
            queued = await letters.queue(session, **_letter_args())  # type: ignore[arg-type]
            postal = await letters.queue(session, **_letter_args(ref="RC-9", to_email=None))  # type: ignore[arg-type]
        await relay.flush()
        async with db.reading() as session:
            failed = await letters.get(session, queued.id)
            counts = await letters.counts(session)
        assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)
        assert failed.last_error is not None and "550" in failed.last_error
        assert counts == {"pending": 0, "sent": 0, "failed": 1, "postal": 1}
        async with db.transaction() as session:
            with pytest.raises(WrongState):
                await letters.retry(session, postal.id)
        async with db.transaction() as session:
            retried = await letters.retry(session, queued.id)
        assert (retried.status, retried.attempts) == ("pending", 0)
        assert await relay.flush() == 1
        assert len(sender.sent) == 1


async def test_a_claimed_letter_is_not_taken_again_until_its_lease_ends(
    plumbing: Plumbing,
) -> None:
    """A relay that died between claiming and marking: the letter comes back after the
    lease, with the same Message-ID."""
    clock = FixedClock(AT)
    sender = FakeSender()
    letters = Letters(plumbing.letters, clock)
    async with _relay_world(plumbing, sender, clock) as (db, relay, _):
        async with db.transaction() as session:
            queued = await letters.queue(session, **_letter_args())  # type: ignore[arg-type]
        claimed = await relay._claim()
        assert claimed is not None and claimed.id == queued.id
        assert await relay._claim() is None  # leased to the first claimant
        clock.advance(timedelta(seconds=121))
        assert await relay.flush() == 1
        assert sender.sent[0]["Message-ID"] == message_id(queued.id, SENDER)


def test_mail_credentials_are_refused_over_a_connection_without_tls() -> None:
    from shared.mail import SmtpSender, sender_from_settings
    from shared.settings import Settings

    secret = "x" * 40
    clear = Settings(jwt_secret=secret, smtp_host="mail.example.com", smtp_tls="none",
                     smtp_user="svc", smtp_password="pw")
    assert clear.secret_problem() is not None and "clear" in clear.secret_problem()
    half = Settings(jwt_secret=secret, smtp_host="mail.example.com", smtp_user="svc")
    assert half.secret_problem() is not None
    good = Settings(jwt_secret=secret, smtp_host="mail.example.com", smtp_port=465,
                    smtp_tls="tls", smtp_user="svc", smtp_password="pw")
    assert good.secret_problem() is None
    sender = sender_from_settings(good)
    assert isinstance(sender, SmtpSender) and (sender.host, sender.port, sender.tls) == (
        "mail.example.com", 465, "tls")
    assert sender_from_settings(Settings(jwt_secret=secret)) is None  # no server: pending


async def test_a_branch_lists_only_its_own_letters(plumbing: Plumbing) -> None:
    from shared.web.letters import _visible, keepers

    letters = Letters(plumbing.letters, FixedClock(AT))
    async with memory_database(plumbing.letters.metadata) as db, db.transaction() as session:
        sc01 = await letters.queue(session, **_letter_args())  # type: ignore[arg-type]
        sc02 = await letters.queue(session, **_letter_args(ref="RC-2", branch="SC02"))  # type: ignore[arg-type]
        head = await letters.queue(session, **_letter_args(ref="C-1", branch=None))  # type: ignore[arg-type]
        assert [x.id for x in await letters.listing(session, branch="SC02")] == [sc02.id]
        assert {x.id for x in await letters.listing(session, branch=None)} == {
            sc01.id, sc02.id, head.id}
        assert [x.id for x in await letters.listing(session, branch=None, status="postal")] == []
    accountant = Actor(user_id="A21", role="accountant", branch="SC02")
    assert [_visible(accountant, x) for x in (sc01, sc02, head)] == [False, True, False]
    assert all(_visible(Actor(user_id="ADM", role="admin"), x) for x in (sc01, sc02, head))
    assert "accountant" in keepers("billing") and keepers("intake") == ("admin",)
