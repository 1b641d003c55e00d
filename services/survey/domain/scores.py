"""Technician scores and the branch ranking (SPEC Q23), free of I/O.

A card counts in the month of its call's register day, for the technician it rates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared.rules import RuleBroken

from .cards import ANSWERED, DIMENSIONS, SENT, Answer

# [choice] The months one may ask about, the same window as every other date this
# system accepts (shared.fields: nothing before 2000, nothing past the year 9000).
FIRST_YEAR, LAST_YEAR = 2000, 9000


def parse_month(value: str) -> tuple[date, date]:
    """``YYYY-MM`` → [first day, first day of next month)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise RuleBroken("must be YYYY-MM", field="month", rule="Q23")
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise RuleBroken(f"must lie between {FIRST_YEAR} and {LAST_YEAR}", field="month",
                         rule="Q23")
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
