"""A card's life and its answer, free of I/O.

- Q24: a card for every call of the day (no sampling), sent the branch's next morning.
- Q25: four dimensions, each on four levels [choice: 4 very satisfied … 1 very
  dissatisfied]; a card is answered once, on paper or through its one-time link.
- Q26: a complaint or suggestion on a card is either ``serious`` or ``general``; the
  customer's tick is recorded, the service department triages it (``triage``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from shared.rules import RuleBroken, WrongState

# Card statuses (Q24): pending → sent → answered; a cancelled call's card is cancelled.
PENDING = "pending"
SENT = "sent"
ANSWERED = "answered"
CANCELLED = "cancelled"

DIMENSIONS = ("attitude", "skill", "arrival", "follow_through")
LEVELS = {4: "very satisfied", 3: "satisfied", 2: "dissatisfied", 1: "very dissatisfied"}
SEVERITIES = ("serious", "general")
KINDS = ("complaint", "suggestion")
SEND_AT = time(9, 0)  # [choice] the branch's morning, local time (Q24); AFTERSALES_SURVEY_SEND_AT
TEXT_LIMIT = 2000  # [choice] what the card keeps of a comment or a complaint's text


def send_due_at(call_date: date, zone: tzinfo, morning: time = SEND_AT) -> datetime:
    """Q24/S24: a day's cards go out the next morning, branch local time (aware UTC)."""
    local = datetime.combine(call_date + timedelta(days=1), morning, tzinfo=zone)
    return local.astimezone(UTC)


def takes_assignment(
    *, completed: bool, assigned_at: datetime | None, new_assigned_at: datetime
) -> bool:
    """Q24: the latest assignment names the technician, until one completed the job."""
    return not completed and (assigned_at is None or new_assigned_at >= assigned_at)


def status_after_cancel(status: str) -> str:
    """A cancelled call's card is marked so, not dropped; an answer already given stays."""
    return status if status == ANSWERED else CANCELLED


def ensure_answerable(status: str, *, via: str) -> None:
    """Q25: a card is answered once; a paper card may be keyed in before it was sent."""
    if status == ANSWERED:
        raise WrongState("card already answered", field="id", rule="Q25")
    if status == CANCELLED:
        raise WrongState("the call was cancelled; no survey", field="id", rule="Q24")
    if via == "link" and status != SENT:
        raise WrongState("card has not been sent", field="id", rule="Q24")


def check_level(name: str, value: object) -> int:
    """Q25: a level is an integer 1..4."""
    try:
        level = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        level = 0
    if isinstance(value, bool) or level not in LEVELS:
        raise RuleBroken(
            "must be one of 1..4 (4 very satisfied, 3 satisfied, 2 dissatisfied, "
            "1 very dissatisfied)", field=name, rule="Q25",
        )
    return level


@dataclass(frozen=True)
class Complaint:
    """A complaint or suggestion the customer wrote on the card (Q23, Q26)."""

    severity: str
    text: str
    kind: str = "complaint"


@dataclass(frozen=True)
class Answer:
    """One card's ratings (Q25)."""

    attitude: int
    skill: int
    arrival: int
    follow_through: int
    comment: str | None = None
    complaint: Complaint | None = None


def check_complaint(
    severity: object, text: object, kind: object = "complaint", *, prefix: str = "complaint."
) -> Complaint:
    """Q26: severity is serious or general; the text says what went wrong."""
    if kind not in KINDS:
        raise RuleBroken("must be complaint or suggestion", field=f"{prefix}kind", rule="Q23")
    if severity not in SEVERITIES:
        raise RuleBroken("must be serious or general", field=f"{prefix}severity", rule="Q26")
    clean = str(text or "").strip()
    if not clean:
        raise RuleBroken("must not be empty", field=f"{prefix}text", rule="Q26")
    return Complaint(severity=str(severity), text=clean[:TEXT_LIMIT], kind=str(kind))


def check_answer(
    levels: Mapping[str, object], *, comment: object = None, complaint: Complaint | None = None
) -> Answer:
    """Q25: all four dimensions rated 1..4, an optional comment and complaint."""
    checked = {name: check_level(name, levels.get(name)) for name in DIMENSIONS}
    text = str(comment).strip()[:TEXT_LIMIT] if comment is not None else ""
    return Answer(**checked, comment=text or None, complaint=complaint)
