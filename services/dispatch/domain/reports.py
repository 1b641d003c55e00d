"""Daily reports: technicians' work by category, the supervisor's sums, sign-off
(SPEC S6, S15, S16, S17).

Invariants:
- A/B/C minutes come from the vouchers worked (their category, S6); technicians log
  only D (internal admin work) by hand.
- The supervisor's report sums the technicians' minutes by category (S16).
- Once the branch manager signed a day's report it is immutable: no more work for that
  branch and day (S17).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from shared.rules import RuleBroken, WrongState

CATEGORIES = ("A", "B", "C", "D")


def check_manual_category(category: str) -> None:
    """S6: only D (inspection, parts, tools, training) is logged by hand; A–C come from vouchers."""
    if category != "D":
        raise RuleBroken(
            f"category {category} comes from the vouchers worked; log only D by hand",
            rule="S6", field="category",
        )


def check_work_day(day: date, today: date) -> None:
    """S15: a day's report holds work done on that day, never ahead of it."""
    if day > today:
        raise RuleBroken(f"{day} is in the future", rule="S15", field="date")


def check_unsigned(branch: str, day: date, signed_at: datetime | None) -> None:
    """S17: a signed supervisor report is immutable."""
    if signed_at is not None:
        raise WrongState(
            f"the supervisor report of {branch} for {day} is signed and can no longer change",
            rule="S17", field="date",
        )


def minutes_by_category(entries: Iterable[tuple[str, int]]) -> dict[str, int]:
    """S15/S16: the minutes of ``(category, minutes)`` entries per category, all four shown."""
    totals = dict.fromkeys(CATEGORIES, 0)
    for category, minutes in entries:
        totals[category] = totals.get(category, 0) + minutes
    return totals


def by_technician(entries: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """S16: each technician's minutes by category from ``(technician, category, minutes)``."""
    grouped: dict[str, list[tuple[str, int]]] = {}
    for technician, category, minutes in entries:
        grouped.setdefault(technician, []).append((category, minutes))
    return {t: minutes_by_category(rows) for t, rows in sorted(grouped.items())}
