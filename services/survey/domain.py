"""Survey rules from SPEC §6, free of I/O.

- Q24: a card for every call of the day (no sampling), sent the branch's next morning.
- Q25: four dimensions, each on four levels [choice: 4 very satisfied … 1 very
  dissatisfied]; a card is answered once, on paper or through its one-time link.
- Q23: the answers feed the technician's monthly averages and the branch ranking.
- Q26: a complaint or suggestion on a card is either ``serious`` or ``general``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

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


class SurveyRuleError(RuleBroken):
    """Input that breaks a survey rule (422); ``field`` names the offending input."""


class SurveyStateError(WrongState, SurveyRuleError):
    """The card is not in a state that allows this (409)."""


def send_due_at(call_date: date, timezone: str, morning: time = SEND_AT) -> datetime:
    """Q24/S24: a day's cards go out the next morning, branch local time (aware UTC)."""
    local = datetime.combine(call_date + timedelta(days=1), morning, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def call_day(received_at: datetime, timezone: str) -> date:
    """The register day of a call: its local date in the branch's zone (Q24)."""
    return received_at.astimezone(ZoneInfo(timezone)).date()


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
        raise SurveyStateError("card already answered", field="id", rule="Q25")
    if status == CANCELLED:
        raise SurveyStateError("the call was cancelled; no survey", field="id", rule="Q24")
    if via == "link" and status != SENT:
        raise SurveyStateError("card has not been sent", field="id", rule="Q24")


def check_level(name: str, value: object) -> int:
    """Q25: a level is an integer 1..4."""
    try:
        level = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        level = 0
    if isinstance(value, bool) or level not in LEVELS:
        raise SurveyRuleError(
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
        raise SurveyRuleError("must be complaint or suggestion", field=f"{prefix}kind",
                              rule="Q23")
    if severity not in SEVERITIES:
        raise SurveyRuleError("must be serious or general", field=f"{prefix}severity",
                              rule="Q26")
    clean = str(text or "").strip()
    if not clean:
        raise SurveyRuleError("must not be empty", field=f"{prefix}text", rule="Q26")
    return Complaint(severity=str(severity), text=clean[:2000], kind=str(kind))


def check_answer(
    levels: Mapping[str, object], *, comment: object = None, complaint: Complaint | None = None
) -> Answer:
    """Q25: all four dimensions rated 1..4, an optional comment and complaint."""
    checked = {name: check_level(name, levels.get(name)) for name in DIMENSIONS}
    text = str(comment).strip()[:2000] if comment is not None else ""
    return Answer(**checked, comment=text or None, complaint=complaint)


def parse_month(value: str) -> tuple[date, date]:
    """``YYYY-MM`` → [first day, first day of next month)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise SurveyRuleError("must be YYYY-MM", field="month", rule="Q23")
    start = date(int(match[1]), int(match[2]), 1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, end


def _avg(values: list[int]) -> float | None:
    if not values:
        return None
    mean = Decimal(sum(values)) / Decimal(len(values))
    return float(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Scores:
    """A technician's month (Q23): averages per dimension and overall, cards counted."""

    technician_id: str
    attitude: float | None
    skill: float | None
    arrival: float | None
    follow_through: float | None
    overall: float | None
    answered: int
    sent: int


def month_scores(technician_id: str, cards: Iterable[tuple[str, Answer | None]]) -> Scores:
    """Q23: average each dimension over the answered cards; overall over all ratings.

    ``cards`` are ``(status, answer)`` of the technician's cards of the month; a card
    counts as sent once it went out or came back answered.
    """
    answers: list[Answer] = []
    sent = 0
    for status, answer in cards:
        if status in (SENT, ANSWERED):
            sent += 1
        if status == ANSWERED and answer is not None:
            answers.append(answer)
    per = {d: [getattr(a, d) for a in answers] for d in DIMENSIONS}
    return Scores(
        technician_id=technician_id,
        **{d: _avg(v) for d, v in per.items()},
        overall=_avg([v for values in per.values() for v in values]),
        answered=len(answers),
        sent=sent,
    )


def ranking(scores: Iterable[Scores]) -> list[tuple[int, Scores]]:
    """Q23: best overall first (unrated last), more answers breaking ties; equal share a rank."""
    ordered = sorted(
        scores,
        key=lambda s: (s.overall is None, -(s.overall or 0.0), -s.answered, s.technician_id),
    )
    ranked: list[tuple[int, Scores]] = []
    for position, s in enumerate(ordered, start=1):
        prev = ranked[-1] if ranked else None
        same = prev is not None and (prev[1].overall, prev[1].answered) == (s.overall, s.answered)
        ranked.append((prev[0] if same and prev else position, s))
    return ranked
