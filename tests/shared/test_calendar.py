"""Working-hours calendar behind the S19 arrival deadline (SPEC S19)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.calendar import (
    DEFAULT_SHIFTS,
    ChinaSchedules,
    Shift,
    WorkingCalendar,
    unofficial_years,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
URBAN, SUBURBAN = 6, 7
CAL = WorkingCalendar()


def sh(*args: int) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


# --- named SPEC S19 cases ------------------------------------------------------------


def test_s19_urban_deadline_within_one_morning():  # SPEC S19
    """A call at the start of Monday morning is due the same afternoon."""
    due = CAL.add_working_hours(sh(2026, 3, 9, 9), URBAN)
    assert due == sh(2026, 3, 9, 16)
    assert due.tzinfo is UTC


def test_s19_deadline_skips_lunch():  # SPEC S19
    """Monday 11:00 + 6h: 11–12 is 1h, 13–18 is 5h → Monday 18:00."""
    assert CAL.add_working_hours(sh(2026, 3, 9, 11), URBAN) == sh(2026, 3, 9, 18)
    assert CAL.add_working_hours(sh(2026, 3, 9, 14), URBAN) == sh(2026, 3, 10, 11)


def test_s19_suburban_deadline_skips_lunch_and_weekend():  # SPEC S19
    """Friday 15:00 + 7h: Fri 15–18 (3h), Mon 9–12 (3h), Mon 13–14 (1h) → Monday 14:00."""
    assert CAL.add_working_hours(sh(2026, 3, 13, 15), SUBURBAN) == sh(2026, 3, 16, 14)


def test_s19_public_holiday_is_skipped():  # SPEC S19
    """Wed 2026-09-30 16:00 + 6h: 2h that day, National Day 10-01..07 off → Thu 10-08 14:00."""
    assert not any(CAL.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.add_working_hours(sh(2026, 9, 30, 16), URBAN) == sh(2026, 10, 8, 14)


def test_s19_adjusted_saturday_is_a_working_day():  # SPEC S19
    """Saturday 2026-02-14 is an adjusted working day (调休) before the Spring Festival."""
    assert CAL.is_working_day(date(2026, 2, 14))
    assert CAL.is_working_day(date(2026, 9, 20))  # a Sunday
    assert not CAL.is_working_day(date(2026, 2, 15))
    assert CAL.add_working_hours(sh(2026, 2, 13, 16), URBAN) == sh(2026, 2, 14, 14)


def test_s19_call_outside_hours_starts_next_morning():  # SPEC S19
    assert CAL.add_working_hours(sh(2026, 3, 9, 20), URBAN) == sh(2026, 3, 10, 16)
    assert CAL.add_working_hours(sh(2026, 3, 10, 6), 1) == sh(2026, 3, 10, 10)
    assert CAL.add_working_hours(sh(2026, 3, 9, 12, 30), 1) == sh(2026, 3, 9, 14)
    assert CAL.add_working_hours(sh(2026, 3, 14, 10), 1) == sh(2026, 3, 16, 10)  # Saturday


def test_s19_deadline_at_end_of_shift_stays_there():  # SPEC S19
    assert CAL.add_working_hours(sh(2026, 3, 9, 9), 3) == sh(2026, 3, 9, 12)
    assert CAL.add_working_hours(sh(2026, 3, 9, 9), 8) == sh(2026, 3, 9, 18)


def test_s19_amounts_are_exact_to_the_microsecond():  # SPEC S19
    start = sh(2026, 3, 9, 9, 0, 0, 1)
    assert CAL.add_working_hours(start, timedelta(hours=3)) == sh(2026, 3, 9, 13, 0, 0, 1)
    assert CAL.add_working_hours(sh(2026, 3, 9, 9), 0.5) == sh(2026, 3, 9, 9, 30)


def test_branch_override_extra_holiday_and_workday():  # SPEC S19: branches override
    cal = WorkingCalendar(
        extra_holidays=frozenset({date(2026, 3, 9), date(2026, 10, 2)}),
        extra_workdays=frozenset({date(2026, 3, 14), date(2026, 10, 2)}),
    )
    assert not cal.is_working_day(date(2026, 3, 9))
    assert cal.is_working_day(date(2026, 3, 14))  # a Saturday
    assert cal.is_working_day(date(2026, 10, 2))  # workday wins over holidays
    assert cal.add_working_hours(sh(2026, 3, 9, 9), 1) == sh(2026, 3, 10, 10)
    assert cal.add_working_hours(sh(2026, 3, 13, 17), 2) == sh(2026, 3, 14, 10)


def test_branch_override_hours_and_weekdays():  # SPEC S19: branches override
    cal = WorkingCalendar.from_config(
        {"shifts": [["08:00", "20:00"]], "weekdays": [0, 1, 2, 3, 4, 5], "china_holidays": False}
    )
    assert cal.is_working_day(date(2026, 10, 3))  # Saturday, holidays ignored
    assert cal.add_working_hours(sh(2026, 3, 13, 19), 2) == sh(2026, 3, 14, 9)


def test_from_config_defaults_match_spec():  # SPEC S19 [choice] default calendar
    cal = WorkingCalendar.from_config({})
    assert cal == WorkingCalendar()
    assert cal.tz == SHANGHAI
    assert cal.shifts == DEFAULT_SHIFTS
    assert DEFAULT_SHIFTS == (Shift(time(9), time(12)), Shift(time(13), time(18)))
    assert cal.weekdays == frozenset({0, 1, 2, 3, 4})
    assert cal.china_holidays
    full = WorkingCalendar.from_config(
        {
            "timezone": "Asia/Shanghai",
            "shifts": [["09:00", "12:00"], ["13:00", "18:00"]],
            "weekdays": [0, 1, 2, 3, 4],
            "china_holidays": True,
            "extra_holidays": ["2026-12-24"],
            "extra_workdays": [],
        }
    )
    assert full == WorkingCalendar(extra_holidays=frozenset({date(2026, 12, 24)}))


def test_naive_datetime_refused():  # SPEC S19: times are aware
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_hours(datetime(2026, 3, 9, 9), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_hours_between(datetime(2026, 3, 9, 9), sh(2026, 3, 9, 10))


def test_zero_and_negative_amounts():  # SPEC S19
    start = sh(2026, 3, 14, 3)  # outside working time
    assert CAL.add_working_hours(start, 0) == start
    assert CAL.add_working_hours(start, 0).tzinfo is UTC
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_hours(start, -1)
    assert CAL.working_hours_between(sh(2026, 3, 9, 12), sh(2026, 3, 9, 10)) == timedelta(0)


def test_s19_2027_without_a_schedule_is_degraded_and_provisional():  # SPEC S19
    """chinese_calendar 1.11.0 stops at 2026. Without the company file's 2027 the year is
    not official: days are still counted (statutory holidays of ``holidays.China``, so 6–7
    October are wrongly working days), but every deadline reaching 2027 is provisional.
    (tests/shared/test_calendar_data.py loads a 2027 schedule; test_calendar_health.py
    checks /healthz and the start-up warning.)"""
    cal = WorkingCalendar(schedules=ChinaSchedules())  # no company file
    assert cal.official_year(2026) and not cal.official_year(2027)
    assert cal.unofficial_years(range(2025, 2029)) == [2027, 2028]
    assert unofficial_years([2026, 2027], ChinaSchedules()) == [2027]
    start = sh(2027, 9, 30, 17)
    due = cal.add_working_hours(start, 2)
    assert due == sh(2027, 10, 6, 10)  # degraded: counted, but not to be trusted
    assert cal.provisional(start, due)
    assert not cal.provisional(sh(2026, 9, 30, 16), cal.add_working_hours(sh(2026, 9, 30, 16), 6))
    # a deadline that crosses New Year into the unknown year is provisional too
    assert cal.provisional(sh(2026, 12, 31, 17), sh(2027, 1, 4, 10))
    assert cal.provisional(sh(2027, 1, 4, 10), sh(2026, 12, 31, 17))  # either order
    # a branch that does not follow China's holidays has nothing to be unofficial about
    own = WorkingCalendar(china_holidays=False, schedules=ChinaSchedules())
    assert own.official_year(2027) and not own.provisional(start, due)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.provisional(datetime(2027, 1, 4), due)


def test_invalid_shifts_refused():
    with pytest.raises(ValueError, match="start before"):
        Shift(time(12), time(9))
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(shifts=(Shift(time(9), time(13)), Shift(time(12), time(18))))
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(shifts=(Shift(time(13), time(18)), Shift(time(9), time(12))))
    with pytest.raises(ValueError, match="at least one shift"):
        WorkingCalendar(shifts=())
    with pytest.raises(ValueError, match="weekdays"):
        WorkingCalendar(weekdays=frozenset({7}))


def test_calendar_without_working_days_is_refused():
    cal = WorkingCalendar(weekdays=frozenset(), china_holidays=False)
    with pytest.raises(ValueError, match="no working time"):
        cal.add_working_hours(sh(2026, 3, 9, 9), 1)
    assert cal.working_hours_between(sh(2026, 1, 1), sh(2027, 1, 1)) == timedelta(0)


def test_dst_days_count_real_elapsed_time():  # SPEC S19: calendars per branch, any zone
    cal = WorkingCalendar(
        tz=BERLIN,
        shifts=(Shift(time(1), time(4)),),
        weekdays=frozenset(range(7)),
        china_holidays=False,
    )
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    day = timedelta(days=1)

    def whole_day(d: date) -> timedelta:
        lo = datetime.combine(d, time(0), tzinfo=BERLIN)
        return cal.working_hours_between(lo, datetime.combine(d + day, time(0), tzinfo=BERLIN))

    assert whole_day(spring) == timedelta(hours=2)  # 02:00–03:00 never happens
    assert whole_day(autumn) == timedelta(hours=4)  # 02:00–03:00 happens twice
    assert whole_day(spring - day) == timedelta(hours=3)
    start = datetime(2026, 3, 29, 1, tzinfo=BERLIN)
    assert cal.add_working_hours(start, 2) == datetime(2026, 3, 29, 4, tzinfo=BERLIN)


# --- properties ----------------------------------------------------------------------

DST_CAL = WorkingCalendar(
    tz=NEW_YORK,
    shifts=(Shift(time(1, 30), time(2, 45)), Shift(time(3), time(11))),
    weekdays=frozenset({0, 2, 3, 5, 6}),
    china_holidays=False,
)
calendars = st.sampled_from([CAL, DST_CAL])
starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([SHANGHAI, UTC, NEW_YORK]),
)
amounts = st.integers(0, 200 * 3600).map(lambda s: timedelta(seconds=s))
gaps = st.integers(0, 60 * 86400).map(lambda s: timedelta(seconds=s))
PROPS = settings(max_examples=200, deadline=None)


@PROPS
@given(start=starts, hours=amounts)
def test_s19_deadline_lies_inside_a_working_shift(start, hours):  # SPEC S19
    due = CAL.add_working_hours(start, hours)
    assert due.tzinfo is UTC
    if hours:
        local = due.astimezone(CAL.tz)
        assert CAL.is_working_day(local.date())
        assert any(s.start < local.time() <= s.end for s in CAL.shifts)
    else:
        assert due == start.astimezone(UTC)  # interzone == is False for imaginary times


@PROPS
@given(cal=calendars, start=starts, h1=amounts, h2=amounts)
def test_s19_adding_in_two_steps_equals_adding_once(cal, start, h1, h2):  # SPEC S19
    step = cal.add_working_hours(cal.add_working_hours(start, h1), h2)
    assert step == cal.add_working_hours(start, h1 + h2)


@PROPS
@given(cal=calendars, start=starts, hours=amounts)
def test_s19_between_inverts_add(cal, start, hours):  # SPEC S19
    assert cal.working_hours_between(start, cal.add_working_hours(start, hours)) == hours


@PROPS
@given(cal=calendars, a=starts, ab=gaps, bc=gaps)
def test_s19_between_is_additive(cal, a, ab, bc):  # SPEC S19
    a = a.astimezone(UTC)  # aware + timedelta is wall-clock arithmetic: step in UTC
    b, c = (a + ab).astimezone(cal.tz), a + ab + bc
    whole = cal.working_hours_between(a, c)
    assert cal.working_hours_between(a, b) + cal.working_hours_between(b, c) == whole
    assert timedelta(0) <= whole <= c - a
