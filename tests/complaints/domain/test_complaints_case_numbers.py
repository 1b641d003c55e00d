"""SPEC C8: case numbers YYMMNN, serial per month, widening past 99."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.complaints.domain.case_numbers import (
    case_no_for,
    format_case_no,
    month_key,
    next_serial,
    parse_case_no,
)
from shared.rules import RuleBroken


def test_c8_case_no_is_yymmnn():
    assert format_case_no(2026, 11, 7) == "261107"


def test_c8_serial_widens_past_99():
    assert format_case_no(2026, 11, 99) == "261199"
    assert format_case_no(2026, 11, 100) == "2611100"


def test_c8_parse_round_trips_widened_serial():
    assert parse_case_no("2611100") == (26, 11, 100)
    assert parse_case_no("260103") == (26, 1, 3)


@pytest.mark.parametrize("bad", ["2613 01", "261301", "26110", "261100", "2611007", "x61101"])
def test_c8_parse_refuses_malformed(bad):
    with pytest.raises(RuleBroken) as err:
        parse_case_no(bad)
    assert err.value.rule == "C8"
    assert err.value.field == "case_no"


def test_c8_format_refuses_bad_month_and_serial():
    with pytest.raises(RuleBroken, match="month"):
        format_case_no(2026, 13, 1)
    with pytest.raises(RuleBroken) as err:
        format_case_no(2026, 1, 0)
    assert err.value.field == "serial"


def test_c8_month_key_is_yymm_in_utc_by_default():
    assert month_key(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "2611"


def test_c8_month_key_follows_branch_zone_when_given():
    late_october_utc = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)  # 02:00 on 1 Nov in Shanghai
    assert month_key(late_october_utc) == "2610"
    assert month_key(late_october_utc, tz=ZoneInfo("Asia/Shanghai")) == "2611"


def test_c8_month_key_refuses_naive_time():
    with pytest.raises(RuleBroken):
        month_key(datetime(2026, 11, 1))


def test_c8_serial_restarts_each_month():
    assert next_serial(None) == 1
    assert next_serial(41) == 42
    first_of_december = case_no_for(datetime(2026, 12, 1, tzinfo=UTC), next_serial(None))
    assert first_of_december == "261201"
