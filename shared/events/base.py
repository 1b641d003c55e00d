"""The integration-event envelope every service publishes and consumes.

Events are immutable facts, named in the past tense. The wire subject is
``{subject_prefix}.{event_type}`` where ``event_type`` is
``<publisher>.<aggregate>.<past_verb>.v<N>``. Within a version only optional fields are
added; a breaking change is a new class with a new version, published alongside the old.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field


def _new_id() -> str:
    return str(uuid4())


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of all integration events."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]

    event_id: str = Field(default_factory=_new_id)
    occurred_at: datetime = Field(default_factory=_utcnow)
    correlation_id: str | None = None
    version: int = 1

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


def subject_for(prefix: str, event_type: str) -> str:
    """The NATS subject an event type travels on."""
    return f"{prefix}.{event_type}"
