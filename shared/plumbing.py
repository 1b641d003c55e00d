"""The tables every service keeps beside its own: outbox, inbox, audit log, dead letters,
letters (to customers, ``shared.letters``).

They are Core tables created on the service's own ``MetaData`` so that each service's
database and migrations hold them, while the code that uses them lives once, here.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from .db import UTCDateTime
from .letters import letters_table

_ID = BigInteger().with_variant(Integer, "sqlite")


class Plumbing:
    """The shared tables of one service's metadata."""

    def __init__(self, metadata: MetaData) -> None:
        self.outbox = Table(
            "outbox",
            metadata,
            Column("seq", _ID, primary_key=True, autoincrement=True),
            Column("event_id", String(64), nullable=False, unique=True),
            Column("event_type", String(120), nullable=False),
            Column("payload", Text, nullable=False),
            Column("created_at", UTCDateTime, nullable=False),
            Column("published_at", UTCDateTime, nullable=True),
            # the W3C trace context of the writing request (shared.tracing), or NULL
            # outside a trace: the relay publishes under it, and the payload stays the event
            Column("traceparent", String(128), nullable=True),
            Index("ix_outbox_unpublished", "published_at", "seq"),
        )
        self.inbox = Table(
            "inbox",
            metadata,
            Column("consumer", String(120), primary_key=True),
            Column("event_id", String(64), primary_key=True),
            Column("processed_at", UTCDateTime, nullable=False),
        )
        self.audit_log = Table(
            "audit_log",
            metadata,
            Column("id", _ID, primary_key=True, autoincrement=True),
            Column("at", UTCDateTime, nullable=False),
            Column("actor_id", String(64), nullable=False),
            Column("actor_role", String(32), nullable=False),
            Column("action", String(80), nullable=False),
            Column("subject_type", String(60), nullable=False),
            Column("subject_id", String(80), nullable=False),
            Column("detail", JSON, nullable=True),
            Index("ix_audit_subject", "subject_type", "subject_id"),
        )
        self.dead_letters = Table(
            "dead_letters",
            metadata,
            Column("id", _ID, primary_key=True, autoincrement=True),
            Column("at", UTCDateTime, nullable=False),
            Column("consumer", String(120), nullable=False),
            Column("subject", String(200), nullable=False),
            Column("event_id", String(64), nullable=True),
            Column("deliveries", Integer, nullable=False),
            Column("error", Text, nullable=False),
            Column("payload", Text, nullable=False),
        )
        self.letters = letters_table(metadata)
