"""Letters to customers: queued beside the business fact, then mailed by a relay (issue 14).

Invariant (the outbox principle): a use case queues a letter with
``await ctx.letters.queue(session, kind=..., ref=..., ...)`` in the same transaction as
the state change it tells the customer about, so a letter exists exactly when its fact
does. ``(kind, ref)`` is unique: the same business fact queues one letter, and queuing it
again answers the letter already there.

Statuses (the choices where the issue is silent, docs/rules.md "Letters"):

- ``pending``: has an e-mail address; the relay sends it when ``next_attempt_at`` is due;
- ``sent``: the SMTP server accepted it (``sent_at``);
- ``failed``: the server refused it for good (a 5xx answer to the recipient or the
  message), or ``shared.mail.MAX_ATTEMPTS`` transient failures in a row (about a day of
  back-off, ``shared.mail``); a person may retry it from the letters page;
- ``postal``: no (usable) e-mail address: the letter waits to be printed and posted
  (shown as "to print"). Every letter, whatever its status, has a printable PDF.

The relay that mails pending letters, the ``Sender`` interface and SMTP live in
``shared.mail``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from typing import Any, Literal

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from .auth import Actor
from .clock import Clock
from .db import UTCDateTime, after_commit
from .rules import NotFound, RuleBroken, WrongState

Status = Literal["pending", "sent", "failed", "postal"]
STATUSES: tuple[Status, ...] = ("pending", "sent", "failed", "postal")
SYSTEM = "system"


def letters_table(metadata: MetaData) -> Table:
    """The ``letters`` table every service keeps (``shared.plumbing.Plumbing``)."""
    return Table(
        "letters",
        metadata,
        Column("id", Uuid(as_uuid=True), primary_key=True),
        Column("kind", String(40), nullable=False),
        Column("ref", String(80), nullable=False),
        # the branch whose record it is: branch staff see only their own branch's letters
        Column("branch", String(16), nullable=True),
        Column("channel", String(16), nullable=False),
        Column("to_email", String(254), nullable=True),
        # names and subjects come from customer files and texts: unbounded, never refused
        Column("to_name", Text, nullable=False),
        Column("to_postal", Text, nullable=True),
        Column("language", String(16), nullable=False),
        Column("subject", Text, nullable=False),
        Column("text", Text, nullable=False),
        Column("html", Text, nullable=True),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text, nullable=True),
        Column("next_attempt_at", UTCDateTime, nullable=True),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("created_by", String(64), nullable=False),
        UniqueConstraint("kind", "ref", name="uq_letters_kind_ref"),
        Index("ix_letters_due", "status", "next_attempt_at"),
    )


@dataclass(frozen=True)
class Letter:
    """One letter as stored."""

    id: uuid.UUID
    kind: str
    ref: str
    branch: str | None
    channel: str
    to_email: str | None
    to_name: str
    to_postal: str | None
    language: str
    subject: str
    text: str
    html: str | None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: Any) -> Letter:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def usable_email(address: str | None) -> str | None:
    """``address`` if it can be put in a ``To`` header as one mailbox, else None."""
    if not address:
        return None
    address = address.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in address) or address.count("@") != 1:
        return None
    local, _, domain = address.partition("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        return None
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return None
    return address


def one_line(text: str) -> str:
    """Header text on one line (a CR or LF would let the text forge headers)."""
    return " ".join(text.split())


class Letters:
    """Queues, reads and re-queues one service's letters (``ctx.letters``)."""

    def __init__(self, table: Table, clock: Clock,
                 wake: Callable[[], None] | None = None) -> None:
        self.table = table
        self._clock = clock
        self._wake = wake

    async def queue(
        self, session: AsyncSession, *, kind: str, ref: str | int, to_email: str | None,
        to_name: str, to_postal: str | None, language: str, subject: str, text: str,
        html: str | None = None, actor: Actor | None = None, branch: str | None = None,
    ) -> Letter:
        """Queue the letter of one business fact in the caller's transaction; the same
        ``(kind, ref)`` again answers the letter already queued and changes nothing.

        Without a usable e-mail address it is a ``postal`` letter (to print); with one it
        is ``pending`` and the relay is woken once the transaction commits. ``branch``
        (the record's branch) scopes who sees it on the letters page.
        """
        kind, ref = kind.strip(), str(ref).strip()
        if not kind or not ref:
            raise RuleBroken("a letter needs its kind and the record it is about",
                             field="kind" if not kind else "ref")
        existing = await self.find(session, kind=kind, ref=ref)
        if existing is not None:
            return existing
        now = self._clock.now()
        email = usable_email(to_email)
        status: Status = "pending" if email else "postal"
        values = {
            "id": uuid.uuid4(), "kind": kind, "ref": ref, "branch": branch,
            "channel": "email", "to_email": email or ((to_email or "")[:254] or None),
            "to_name": one_line(to_name), "to_postal": to_postal or None,
            "language": language, "subject": one_line(subject), "text": text,
            "html": html, "status": status, "attempts": 0,
            "last_error": None if email or not to_email else "unusable e-mail address",
            "next_attempt_at": now if email else None, "sent_at": None, "created_at": now,
            "created_by": actor.user_id if actor else SYSTEM,
        }
        # ON CONFLICT DO NOTHING: a concurrent transaction queuing the same fact waits on
        # PostgreSQL's unique index, then this one reads its row (SQLite: single writer).
        await session.execute(_insert_ignoring_duplicate(session, self.table, values))
        letter = await self.find(session, kind=kind, ref=ref)
        assert letter is not None  # inserted, or inserted by the winner of a race
        if letter.id == values["id"] and status == "pending" and self._wake is not None:
            after_commit(session, self._wake)
        return letter

    async def find(self, session: AsyncSession, *, kind: str, ref: str | int) -> Letter | None:
        """The letter of ``(kind, ref)``, if queued."""
        row = (await session.execute(
            select(self.table).where(self.table.c.kind == kind,
                                     self.table.c.ref == str(ref)))).first()
        return Letter.of(row) if row is not None else None

    async def get(self, session: AsyncSession, letter_id: uuid.UUID, *,
                  lock: bool = False) -> Letter:
        """The letter with ``letter_id``, or 404."""
        query = select(self.table).where(self.table.c.id == letter_id)
        if lock:
            query = query.with_for_update()
        row = (await session.execute(query)).first()
        if row is None:
            raise NotFound(f"no letter {letter_id}", field="letter_id")
        return Letter.of(row)

    async def listing(
        self, session: AsyncSession, *, branch: str | None, status: str | None = None,
        kind: str | None = None, limit: int = 200,
    ) -> list[Letter]:
        """The newest letters; ``branch`` None means every branch (head office)."""
        t = self.table
        query = select(t).order_by(t.c.created_at.desc(), t.c.id).limit(limit)
        if branch is not None:
            query = query.where(t.c.branch == branch)
        if status:
            query = query.where(t.c.status == status)
        if kind:
            query = query.where(t.c.kind == kind)
        return [Letter.of(r) for r in await session.execute(query)]

    async def counts(self, session: AsyncSession) -> dict[str, int]:
        """How many letters are in each status (every status named, zeros included)."""
        t = self.table
        rows = await session.execute(select(t.c.status, func.count()).group_by(t.c.status))
        found = {status: 0 for status in STATUSES}
        found.update({status: int(n) for status, n in rows})
        return found

    async def retry(self, session: AsyncSession, letter_id: uuid.UUID) -> Letter:
        """Put a failed letter back in the queue for another round of attempts."""
        letter = await self.get(session, letter_id, lock=True)
        if letter.status != "failed":
            raise WrongState(f"letter is {letter.status}; only a failed one is retried",
                             field="status")
        await session.execute(
            update(self.table).where(self.table.c.id == letter_id)
            .values(status="pending", attempts=0, next_attempt_at=self._clock.now()))
        if self._wake is not None:
            after_commit(session, self._wake)
        return await self.get(session, letter_id)


def _insert_ignoring_duplicate(session: AsyncSession, table: Table,
                               values: dict[str, Any]) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["kind", "ref"])
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table).values(**values).on_conflict_do_nothing(
        index_elements=["kind", "ref"])
