"""Sending letters by e-mail: the channel interface, SMTP on aiosmtplib, the MIME message
and the relay that mails due letters (``shared.letters`` holds the queue and its rules).

Never sent twice: the relay claims a due letter by moving its ``next_attempt_at`` a lease
ahead (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single writer on SQLite), sends it
outside any transaction (SQLite's write lock is never held across SMTP; a send is cut at
3/4 of the lease), then marks it. Replicas racing therefore take each letter once. A
crash between the server's accept and the mark leaves the letter pending; it is resent
after the lease with the same ``Message-ID`` (derived from the letter's id), which a
receiving system or a person recognises as the same message.

Retries: a transient failure (server away, 4xx, TLS or authentication trouble: our side,
not the letter's) waits :func:`back_off` and stays ``pending``; a permanent one (5xx to
the recipient or the message) or the :data:`MAX_ATTEMPTS`-th failure makes it ``failed``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any, Literal, Protocol

from sqlalchemy import Table, func, select, update

from .clock import Clock
from .db import Database
from .letters import Letter, one_line
from .loops import WakeableLoop

log = logging.getLogger("aftersales.letters")

# Transient failures in a row before a letter is "failed": with back_off below (30 s
# doubling, capped at 1 h) 30 attempts span about a day, long enough for a mail server's
# maintenance window, short enough that a person hears of a letter that cannot go out.
MAX_ATTEMPTS = 30
FIRST_BACK_OFF = timedelta(seconds=30)
MAX_BACK_OFF = timedelta(hours=1)


class SendError(Exception):
    """A channel could not deliver a message."""


class TransientSendError(SendError):
    """Try again later: the server is down, busy (4xx), or refused our configuration."""


class PermanentSendError(SendError):
    """The server refused this message for good (5xx to its recipient or content)."""


class Sender(Protocol):
    """A channel that delivers a built message: SMTP now; SMS or WeChat may follow with
    their own message type and the same errors."""

    async def send(self, message: EmailMessage) -> None: ...


TlsMode = Literal["none", "starttls", "tls"]


class SmtpSender:
    """Sends through the company's SMTP server (``AFTERSALES_SMTP_*``) with aiosmtplib."""

    def __init__(self, *, host: str, port: int, tls: TlsMode = "starttls",
                 user: str | None = None, password: str | None = None,
                 timeout: float = 30.0) -> None:
        self.host, self.port, self.tls = host, port, tls
        self._user, self._password, self._timeout = user, password, timeout

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        try:
            _errors, _answer = await aiosmtplib.send(
                message, hostname=self.host, port=self.port, timeout=self._timeout,
                use_tls=self.tls == "tls", start_tls=True if self.tls == "starttls" else False,
                username=self._user, password=self._password,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # every recipient refused; 5xx is the mailbox (unknown user), 4xx is "later"
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentSendError(f"recipient refused: {detail}") from exc
            raise TransientSendError(f"recipient deferred: {detail}") from exc
        except aiosmtplib.SMTPDataError as exc:
            error = PermanentSendError if 500 <= exc.code < 600 else TransientSendError
            raise error(f"message refused: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # connection, TLS, authentication, sender refused: the server or our settings,
            # not this letter; it goes once they are right
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc


def sender_from_settings(settings: Any) -> Sender | None:
    """The SMTP sender the settings describe, or None when no server is configured."""
    if not settings.smtp_host:
        return None
    return SmtpSender(host=settings.smtp_host, port=settings.smtp_port, tls=settings.smtp_tls,
                      user=settings.smtp_user, password=settings.smtp_password,
                      timeout=settings.smtp_timeout_seconds)


def message_id(letter_id: uuid.UUID, sender: str) -> str:
    """The letter's ``Message-ID``: the same for every attempt, so a resend after a crash
    between the server's accept and our commit is recognisably the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "aftersales.invalid"
    return f"<letter-{letter_id}@{domain}>"


def build_message(letter: Letter, *, sender: str) -> EmailMessage:
    """The MIME message of ``letter``: UTF-8 text, with an HTML alternative if it has one;
    ``Date`` is when it was queued, so every attempt builds the same message."""
    if not letter.to_email:
        raise ValueError("a postal letter has no e-mail message")
    message = EmailMessage()
    message["From"] = sender
    # queue() stores header text on one line; a row written otherwise still cannot forge
    # headers (the email package would refuse it, failing the letter at every attempt)
    name = one_line(letter.to_name)
    message["To"] = formataddr((name, letter.to_email)) if name else letter.to_email
    message["Subject"] = one_line(letter.subject)
    message["Date"] = format_datetime(letter.created_at)
    message["Message-ID"] = message_id(letter.id, sender)
    # RFC 3834: an automatic message, so auto-responders do not answer it
    message["Auto-Submitted"] = "auto-generated"
    message["X-Aftersales-Letter"] = f"{letter.kind} {letter.ref}"
    message.set_content(letter.text, charset="utf-8")
    if letter.html:
        message.add_alternative(letter.html, subtype="html", charset="utf-8")
    # after the content: set_content() drops every Content-* header set before it
    message["Content-Language"] = letter.language
    return message


def back_off(attempts: int, *, first: timedelta = FIRST_BACK_OFF) -> timedelta:
    """The wait after the ``attempts``-th failed attempt in a row: 30 s, 1 min, 2 min, ...
    doubling, at most an hour (``first``: the first wait, AFTERSALES_LETTERS_RETRY_SECONDS)."""
    step = first * (2 ** min(max(attempts - 1, 0), 16))
    return min(step, MAX_BACK_OFF)


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: ``sent``, ``pending`` (retry later) or ``failed``."""

    status: str
    error: str | None = None


def after_failure(attempts: int, error: SendError | Exception, *,
                  max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    """The status after the ``attempts``-th attempt failed with ``error``."""
    text = str(error) or type(error).__name__
    if isinstance(error, PermanentSendError) or attempts >= max_attempts:
        return Outcome("failed", text[:2000])
    return Outcome("pending", text[:2000])


class LetterRelay(WakeableLoop):
    """Sends due letters; woken after each commit that queued one, and polls for retries."""

    def __init__(
        self, *, db: Database, table: Table, clock: Clock, sender: Sender | None,
        from_address: str, poll_seconds: float = 30.0, lease_seconds: float = 120.0,
        max_attempts: int = MAX_ATTEMPTS, first_back_off: timedelta = FIRST_BACK_OFF,
        on_attempt: Callable[[str], None] | None = None,
    ) -> None:
        self._db = db
        self._table = table
        self._clock = clock
        self.sender = sender
        self._from = from_address
        self._poll_seconds = poll_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._first_back_off = first_back_off
        self._on_attempt = on_attempt
        super().__init__("letter-relay")

    async def run_loop(self) -> None:
        if self.sender is None:
            log.info("no SMTP server configured (AFTERSALES_SMTP_HOST): letters wait as "
                     "pending until one is")
        while not self._stopping:
            self.take_wake()
            wait = self._poll_seconds
            if self.sender is not None:
                try:
                    await self.flush()
                    wait = await self._seconds_to_next_due()
                except Exception as exc:  # the database is away: try again at the poll
                    log.warning("letter relay: %r", exc)
            await self.wait(wait)

    async def flush(self) -> int:
        """Send every due letter, one at a time; returns how many the server accepted."""
        accepted = 0
        while not self._stopping and self.sender is not None:
            letter = await self._claim()
            if letter is None:
                return accepted
            if await self._attempt(letter):
                accepted += 1
        return accepted

    async def _claim(self) -> Letter | None:
        """Take the oldest due letter by moving its next attempt a lease ahead."""
        t = self._table
        now = self._clock.now()
        async with self._db.transaction() as session:
            query = (select(t).where(t.c.status == "pending", t.c.next_attempt_at <= now)
                     .order_by(t.c.next_attempt_at, t.c.created_at).limit(1))
            if not self._db.is_sqlite:  # replicas: each letter is claimed by one of them
                query = query.with_for_update(skip_locked=True)
            row = (await session.execute(query)).first()
            if row is None:
                return None
            await session.execute(update(t).where(t.c.id == row.id)
                                  .values(next_attempt_at=now + self._lease))
            return Letter.of(row)

    async def _attempt(self, letter: Letter) -> bool:
        assert self.sender is not None
        t = self._table
        attempts = letter.attempts + 1
        try:
            # bounded well inside the lease, so no other relay claims it while it is sent
            await asyncio.wait_for(self.sender.send(build_message(letter, sender=self._from)),
                                   timeout=self._lease.total_seconds() * 0.75)
        except Exception as exc:  # anything unexpected counts as transient
            outcome = after_failure(attempts, exc, max_attempts=self._max_attempts)
            values: dict[str, Any] = {"status": outcome.status, "attempts": attempts,
                                      "last_error": outcome.error}
            wait = back_off(attempts, first=self._first_back_off)
            values["next_attempt_at"] = (self._clock.now() + wait
                                         if outcome.status == "pending" else None)
            log.log(logging.WARNING if outcome.status == "pending" else logging.ERROR,
                    "letter %s (%s %s) attempt %d: %s", letter.id, letter.kind, letter.ref,
                    attempts, outcome.error)
        else:
            outcome = Outcome("sent")
            values = {"status": "sent", "attempts": attempts, "sent_at": self._clock.now(),
                      "next_attempt_at": None, "last_error": None}
        async with self._db.transaction() as session:
            await session.execute(update(t).where(t.c.id == letter.id).values(**values))
        if self._on_attempt is not None:
            self._on_attempt(outcome.status)
        return outcome.status == "sent"

    async def _seconds_to_next_due(self) -> float:
        t = self._table
        async with self._db.reading() as session:
            due = await session.scalar(select(func.min(t.c.next_attempt_at))
                                       .where(t.c.status == "pending"))
        if due is None:
            return self._poll_seconds
        seconds = (due - self._clock.now()).total_seconds()
        return min(max(seconds, 0.05), self._poll_seconds)

