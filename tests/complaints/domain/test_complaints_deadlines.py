"""SPEC C14 (reminder and follow-up slips) over the C9.4 / C10 deadlines."""

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.deadlines import (
    LateStep,
    Overdue,
    TimelineEntry,
    lateness_followup,
    overdue,
)
from services.complaints.domain.profiles import builtin_profile
from services.complaints.domain.routing import case_due, step_due
from shared.rules import RuleBroken

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
MFR = builtin_profile("manufacturer")


def open_case(step="qa_analysis", started=T0):
    return CaseState(
        current_step=step,
        step_started_at=started,
        step_due_at=step_due(MFR, step, started, "domestic"),
        case_due_at=case_due(MFR, T0, "domestic"),
    )


def test_c14_nothing_overdue_on_time():
    case = open_case()
    assert overdue(case, T0 + timedelta(days=1)) == []  # exactly at the deadline is on time


def test_c14_overdue_step_gets_reminder():
    case = open_case()
    found = overdue(case, T0 + timedelta(days=1, seconds=1))
    assert found == [Overdue(kind="step", step="qa_analysis", due_at=T0 + timedelta(days=1))]


def test_c14_overdue_case_reported_with_step():
    case = open_case(step="sales_negotiation", started=T0 + timedelta(days=10))
    found = overdue(case, T0 + timedelta(days=14))
    assert [o.kind for o in found] == ["case"]
    assert found[0].due_at == T0 + timedelta(days=13)


def test_c14_closed_case_is_never_overdue():
    case = CaseState(current_step=None, closed_at=T0, case_due_at=T0 - timedelta(days=1))
    assert overdue(case, T0 + timedelta(days=30)) == []


def test_c14_overdue_needs_aware_as_of():
    with pytest.raises(RuleBroken) as err:
        overdue(open_case(), datetime(2026, 11, 5))
    assert err.value.field == "as_of"


def test_c14_followup_lists_late_steps_and_late_case():
    dues = {
        "registration": T0 + timedelta(hours=12),
        "qa_analysis": T0 + timedelta(days=1, hours=12),
    }
    timeline = [
        TimelineEntry("registration", T0 + timedelta(hours=11)),
        TimelineEntry("qa_analysis", T0 + timedelta(days=2)),
    ]
    closed = T0 + timedelta(days=14)
    late = lateness_followup(timeline, dues, T0 + timedelta(days=13), closed)
    assert late == [
        LateStep("step", "qa_analysis", dues["qa_analysis"], T0 + timedelta(days=2)),
        LateStep("case", None, T0 + timedelta(days=13), closed),
    ]
    assert late[0].late_by == timedelta(hours=12)


def test_c14_followup_judges_a_repeated_step_by_its_last_round():
    due = T0 + timedelta(days=6)
    timeline = [
        TimelineEntry("sales_negotiation", T0 + timedelta(days=5)),
        TimelineEntry("approval", T0 + timedelta(days=5, hours=2)),
        TimelineEntry("sales_negotiation", T0 + timedelta(days=7)),
    ]
    late = lateness_followup(timeline, {"sales_negotiation": due}, None, T0 + timedelta(days=8))
    assert [(x.step, x.done_at) for x in late] == [("sales_negotiation", T0 + timedelta(days=7))]


def test_c14_on_time_case_needs_no_followup():
    timeline = [TimelineEntry("registration", T0)]
    dues = {"registration": T0 + timedelta(hours=12)}
    assert lateness_followup(timeline, dues, T0 + timedelta(days=13), T0 + timedelta(days=3)) == []
