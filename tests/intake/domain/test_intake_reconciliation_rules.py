"""Morning reconciliation of the register (SPEC S18), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.reconciliation import (
    check_day,
    due_day,
    first_working_moment,
    needs_priority,
    next_due,
)
from shared.calendar import WorkingCalendar
from shared.rules import RuleBroken

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


def test_s18_reconciliation_falls_at_the_first_working_moment_of_the_day() -> None:
    # SPEC S18: each morning; default calendar opens at 09:00 Shanghai
    assert first_working_moment(CAL, date(2026, 3, 17)) == datetime(2026, 3, 17, 9, tzinfo=SH)


def test_s18_no_reconciliation_on_a_day_off_the_next_working_morning_instead() -> None:
    # Saturday 2026-03-21 → Monday 2026-03-23 09:00; 2026-10-01 National Day → 10-09
    assert first_working_moment(CAL, date(2026, 3, 21)) == datetime(2026, 3, 23, 9, tzinfo=SH)
    assert first_working_moment(CAL, date(2026, 10, 1)) == datetime(2026, 10, 8, 9, tzinfo=SH)
    assert due_day(CAL, datetime(2026, 3, 21, 10, tzinfo=SH)) is None


def test_s18_due_from_opening_not_before() -> None:
    assert due_day(CAL, datetime(2026, 3, 17, 8, 59, tzinfo=SH)) is None
    assert due_day(CAL, datetime(2026, 3, 17, 9, 0, tzinfo=SH)) == date(2026, 3, 17)
    assert due_day(CAL, datetime(2026, 3, 17, 16, 0, tzinfo=SH)) == date(2026, 3, 17)


def test_s18_next_due_skips_days_already_reconciled() -> None:
    now = datetime(2026, 3, 17, 10, tzinfo=SH)
    assert next_due(CAL, now, None) == datetime(2026, 3, 17, 9, tzinfo=SH)
    assert next_due(CAL, now, date(2026, 3, 16)) == datetime(2026, 3, 17, 9, tzinfo=SH)
    assert next_due(CAL, now, date(2026, 3, 17)) == datetime(2026, 3, 18, 9, tzinfo=SH)
    friday = datetime(2026, 3, 20, 10, tzinfo=SH)
    assert next_due(CAL, friday, date(2026, 3, 20)) == datetime(2026, 3, 23, 9, tzinfo=SH)


def test_s18_only_undispatched_calls_of_earlier_days_become_priority() -> None:
    day = date(2026, 3, 17)
    earlier = date(2026, 3, 16)
    assert needs_priority(status="registered", registered_on=earlier, day=day,
                          already_priority=False)
    assert not needs_priority(status="registered", registered_on=day, day=day,
                              already_priority=False)
    assert not needs_priority(status="registered", registered_on=earlier, day=day,
                              already_priority=True)
    for status in ("dispatched", "in_service", "completed", "cancelled"):
        assert not needs_priority(status=status, registered_on=earlier, day=day,
                                  already_priority=False)


def test_s18_a_day_is_not_reconciled_ahead_of_time() -> None:
    check_day(date(2026, 3, 17), date(2026, 3, 17))
    with pytest.raises(RuleBroken) as refused:
        check_day(date(2026, 3, 18), date(2026, 3, 17))
    assert (refused.value.field, refused.value.rule) == ("date", "S18")


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1),
                    timezones=st.just(UTC)))
def test_s18_property_due_day_agrees_with_next_due(now: datetime) -> None:
    # a day is due exactly when the plan for a never-reconciled branch has come
    day = due_day(CAL, now)
    planned = next_due(CAL, now, None)
    if day is not None:
        assert planned <= now
        assert next_due(CAL, now, day) > now
    else:
        assert planned > now
    assert planned - now < timedelta(days=12)


def test_s18_a_call_received_before_today_is_priority_when_registered() -> None:
    # SPEC S18 (issue 13 item 11a): not from tomorrow's reconciliation, at once
    from services.intake.domain.reconciliation import late_at_registration

    assert late_at_registration(received_on=date(2026, 3, 13), today=date(2026, 3, 16))
    assert late_at_registration(received_on=date(2026, 3, 15), today=date(2026, 3, 16))
    assert not late_at_registration(received_on=date(2026, 3, 16), today=date(2026, 3, 16))
