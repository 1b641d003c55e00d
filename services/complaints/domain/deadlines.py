"""Overdue steps and late closed cases (SPEC C14, C10).

An open case whose current step or whole-case deadline has passed gets a reminder slip
(催辦單); a closed case is audited step by step and the late steps get a follow-up slip
(洽辦單) asking the owner why. A deadline is missed only when the time is strictly after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from .case_state import CaseState
from .common import to_utc

RULE = "C14"
Kind = Literal["step", "case"]
QA_REPORT_DAYS = 3  # C9.3: QA reports within 3 days of its investigation


@dataclass(frozen=True, slots=True)
class Overdue:
    """One missed deadline of an open case: a step's or the whole case's (SPEC C14)."""

    kind: Kind
    step: str | None
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A completed step as recorded on the case timeline (CONTRACT: timeline)."""

    step: str
    at: datetime
    by: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class LateStep:
    """A step (or the case) finished after its deadline, for the follow-up slip (SPEC C14)."""

    kind: Kind
    step: str | None
    due_at: datetime
    done_at: datetime

    @property
    def late_by(self) -> timedelta:
        """How far past the deadline it was finished."""
        return self.done_at - self.due_at


def overdue(case_state: CaseState, as_of: datetime) -> list[Overdue]:
    """The deadlines an open case has missed at `as_of`; a closed case has none (SPEC C14)."""
    now = to_utc(as_of, rule=RULE, field="as_of")
    if case_state.closed or case_state.current_step is None:
        return []
    found: list[Overdue] = []
    checks: tuple[tuple[Kind, datetime | None], ...] = (
        ("step", case_state.step_due_at),
        ("case", case_state.case_due_at),
    )
    for kind, due in checks:
        if due is None:
            continue
        due_utc = to_utc(due, rule=RULE, field=f"{kind}_due_at")
        if now > due_utc:
            found.append(Overdue(kind=kind, step=case_state.current_step, due_at=due_utc))
    return found


def lateness_followup(
    timeline: Iterable[TimelineEntry],
    step_due_times: Mapping[str, datetime],
    case_due: datetime | None,
    closed_at: datetime,
) -> list[LateStep]:
    """The late steps of a closed case, in timeline order, then the case if it closed late (C14).

    A step done more than once (e.g. after a refused approval) is judged by its last round.
    """
    closed = to_utc(closed_at, rule=RULE, field="closed_at")
    last_done: dict[str, datetime] = {}
    for entry in timeline:
        last_done.pop(entry.step, None)
        last_done[entry.step] = to_utc(entry.at, rule=RULE, field="timeline.at")
    late: list[LateStep] = []
    for step, done_at in sorted(last_done.items(), key=lambda item: item[1]):
        due = step_due_times.get(step)
        if due is None:
            continue
        due_utc = to_utc(due, rule=RULE, field=f"step_due_times.{step}")
        if done_at > due_utc:
            late.append(LateStep(kind="step", step=step, due_at=due_utc, done_at=done_at))
    if case_due is not None:
        case_due_utc = to_utc(case_due, rule=RULE, field="case_due")
        if closed > case_due_utc:
            late.append(LateStep(kind="case", step=None, due_at=case_due_utc, done_at=closed))
    return late


def qa_report_due(investigated_at: datetime) -> datetime:
    """QA's report is due 3 days after its investigation (SPEC C9.3)."""
    return to_utc(investigated_at, rule="C9.3", field="investigated_at") + timedelta(
        days=QA_REPORT_DAYS
    )


def audit_due(step_due_at: datetime | None, decision: Mapping[str, Any]) -> datetime | None:
    """A step's deadline for the lateness audit: its own, or QA's 3 days if sooner (C14, C9.3)."""
    investigated = decision.get("investigated_at")
    if investigated is None:
        return step_due_at
    if isinstance(investigated, str):
        investigated = datetime.fromisoformat(investigated)
    qa_due = qa_report_due(investigated)
    return qa_due if step_due_at is None else min(step_due_at, qa_due)
