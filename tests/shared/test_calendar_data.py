"""Calendar data (SPEC S19, docs/rules.md "Calendar data"): the company calendar file, its
precedence after the chinese_calendar package, and ``aftersales calendar``.

The 2027 schedule used here is a test fixture (tests/shared/calendar-2027-FIXTURE.txt),
plausible but not the State Council's: no official 2027 notice existed when it was written.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.calendar import ChinaSchedules, WorkingCalendar, default_schedules
from shared.calendar_file import (
    DEFAULT_FILE,
    ENV_VAR,
    AdjustedWorkday,
    CompanyCalendar,
    Holiday,
    OfficialSchedule,
    ScheduleError,
    parse_notice,
)
from tools.calendar_cmd import read_notice
from tools.cli import main as cli

FIXTURE = Path(__file__).with_name("calendar-2027-FIXTURE.txt")
SHANGHAI = ZoneInfo("Asia/Shanghai")
URBAN, SUBURBAN = 6, 7


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def fixture_calendar() -> WorkingCalendar:
    company = CompanyCalendar((parse_notice(FIXTURE.read_text(encoding="utf-8")),))
    return WorkingCalendar(schedules=ChinaSchedules(company))


def schedule(year: int = 2027, **overrides) -> OfficialSchedule:
    values = {"year": year, "notice": "a notice",
              "holidays": (Holiday("国庆节", date(year, 10, 1), date(year, 10, 7)),),
              "workdays": (AdjustedWorkday(date(2027, 9, 26), "国庆节"),)}
    return OfficialSchedule(**{**values, **overrides})


# --- S19 with a loaded 2027 schedule ------------------------------------------------


def test_s19_2027_schedule_from_the_company_file_gives_the_right_deadlines():  # SPEC S19
    """With 2027's notice loaded, National Day is 1–7 October, the Sunday before and the
    Saturday after are worked, and nothing is provisional."""
    cal = fixture_calendar()
    assert cal.official_year(2027)
    assert not any(cal.is_working_day(date(2027, 10, d)) for d in range(1, 8))
    assert cal.is_working_day(date(2027, 9, 26)) and cal.is_working_day(date(2027, 10, 9))
    # Thu 30 Sep 16:00 + 6h: 2h that day, 1–7 Oct off → Fri 8 Oct 14:00 (degraded said 6 Oct)
    start = sh(2027, 9, 30, 16)
    due = cal.add_working_hours(start, URBAN)
    assert due == sh(2027, 10, 8, 14)
    assert not cal.provisional(start, due)
    # Fri 8 Oct 15:00 + 7h: 3h Friday, then the adjusted working Saturday → Sat 9 Oct 14:00
    assert cal.add_working_hours(sh(2027, 10, 8, 15), SUBURBAN) == sh(2027, 10, 9, 14)
    # Fri 24 Sep 17:00 + 2h: the adjusted working Sunday 26 Sep → 10:00
    assert cal.add_working_hours(sh(2027, 9, 24, 17), 2) == sh(2027, 9, 26, 10)
    # Spring Festival: Thu 4 Feb 17:00 + 2h → Sun 14 Feb is a weekend, so Mon 15 Feb 10:00
    assert cal.add_working_hours(sh(2027, 2, 4, 17), 2) == sh(2027, 2, 15, 10)
    assert cal.working_hours_between(sh(2027, 10, 1), sh(2027, 10, 8)) == timedelta(0)


def test_s19_calendar_import_then_the_configured_file_is_used(tmp_path, monkeypatch, capsys):
    """One command loads the notice; a calendar built from the configured file (as a
    branch's is) then counts 2027 officially."""  # SPEC S19
    target = tmp_path / "CN.json"
    assert cli(["calendar", "--file", str(target), "import", str(FIXTURE)]) == 0
    assert "restart the services" in capsys.readouterr().out
    stored = json.loads(target.read_text(encoding="utf-8"))
    assert stored["format"] == 1 and list(stored["years"]) == ["2027"]
    assert stored["years"]["2027"]["notice"].startswith("TEST FIXTURE")
    monkeypatch.setenv(ENV_VAR, str(target))
    cal = WorkingCalendar.from_config({})
    assert cal.schedules.company.years == [2027]
    assert cal.add_working_hours(sh(2027, 9, 30, 16), URBAN) == sh(2027, 10, 8, 14)
    assert not cal.provisional(sh(2027, 9, 30, 16), sh(2027, 10, 8, 14))
    assert cli(["calendar", "--file", str(target), "show", "2027"]) == 0
    shown = capsys.readouterr().out
    assert "2027: official, from company file: TEST FIXTURE" in shown
    assert "2027-10-09 Sat 国庆节" in shown
    assert cli(["calendar", "--file", str(target), "import", str(FIXTURE)]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_s19_calendar_import_refuses_to_replace_a_year_silently(tmp_path, capsys):  # SPEC S19
    target = tmp_path / "CN.json"
    assert cli(["calendar", "--file", str(target), "import", str(FIXTURE)]) == 0
    corrected = tmp_path / "corrected.txt"
    corrected.write_text(FIXTURE.read_text(encoding="utf-8").replace(
        "workday 2027-10-09 国庆节\n", ""), encoding="utf-8")
    capsys.readouterr()
    assert cli(["calendar", "--file", str(target), "import", str(corrected)]) == 1
    assert "--replace" in capsys.readouterr().out
    assert CompanyCalendar.load(target).get(2027).working_days() >= {date(2027, 10, 9)}
    assert cli(["calendar", "--file", str(target), "import", "--replace", str(corrected)]) == 0
    assert date(2027, 10, 9) not in CompanyCalendar.load(target).get(2027).working_days()


def test_s19_calendar_import_refuses_an_impossible_notice(tmp_path, capsys):  # SPEC S19
    bad = tmp_path / "bad.txt"
    bad.write_text("year 2027\nnotice n\nholiday 2027-10-01..2027-10-07 国庆节\n"
                   "workday 2027-10-06 国庆节\nworkday 2027-10-12\n", encoding="utf-8")
    target = tmp_path / "CN.json"
    assert cli(["calendar", "--file", str(target), "import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "2027-10-06 lies inside a holiday" in out
    assert "2027-10-12 is a Tuesday" in out
    assert not target.exists()  # nothing written


def test_s19_calendar_import_warns_of_a_statutory_holiday_left_working(tmp_path, capsys):
    notice = tmp_path / "short.txt"
    notice.write_text("year 2027\nnotice n\nholiday 2027-10-01..2027-10-07 国庆节\n",
                      encoding="utf-8")
    assert cli(["calendar", "--file", str(tmp_path / "CN.json"), "import", str(notice)]) == 0
    assert "statutory holiday 2027-01-01" in capsys.readouterr().out  # SPEC S19


def test_s19_calendar_show_and_check_say_degraded(tmp_path, capsys):  # SPEC S19
    empty = tmp_path / "CN.json"
    empty.write_text('{"format": 1, "years": {}}', encoding="utf-8")
    assert cli(["calendar", "--file", str(empty), "show", "2027"]) == 0
    out = capsys.readouterr().out
    assert "2027: NOT OFFICIAL (degraded)" in out and "provisional" in out
    assert cli(["calendar", "--file", str(empty), "show", "2026"]) == 0
    assert "2026: official, from chinese_calendar 1.11.0" in capsys.readouterr().out
    from tools.calendar_cmd import check

    assert check(empty, sh(2026, 12, 1)) == 1
    assert "2027" in capsys.readouterr().out
    assert check(empty, sh(2026, 3, 1)) == 1  # 2027 unknown all year: a warning, not a stop
    assert check(empty, sh(2025, 3, 1)) == 0


# --- precedence --------------------------------------------------------------------


def test_s19_package_wins_over_the_company_file_for_a_year_it_covers():  # SPEC S19
    bogus_2026 = schedule(2026, holidays=(Holiday("x", date(2026, 3, 9), date(2026, 3, 13)),),
                          workdays=())
    cal = WorkingCalendar(schedules=ChinaSchedules(CompanyCalendar((bogus_2026,))))
    assert cal.is_working_day(date(2026, 3, 9))  # the file's invented week off is ignored
    assert not cal.is_working_day(date(2026, 10, 1))
    assert cal.schedules.year(2026).source.startswith("chinese_calendar")


def test_s19_a_notice_reaching_into_december_fixes_those_days():  # SPEC S19
    """Like the 2012 notice (31 Dec 2011 worked): next year's notice may fix December days
    of a year the package does not cover."""
    new_year = schedule(2028, holidays=(Holiday("元旦", date(2027, 12, 30), date(2028, 1, 1)),),
                        workdays=(AdjustedWorkday(date(2027, 12, 26), "元旦"),))
    cal = WorkingCalendar(schedules=ChinaSchedules(CompanyCalendar((new_year,))))
    assert not cal.is_working_day(date(2027, 12, 30))  # a Thursday off
    assert cal.is_working_day(date(2027, 12, 26))  # a Sunday worked
    assert not cal.official_year(2027)  # December days do not make 2027 official
    assert cal.official_year(2028)


def test_s19_default_calendar_file_is_shipped_valid_and_env_overrides_it(tmp_path, monkeypatch):
    """The shipped file loads (it invents no official schedule); AFTERSALES_CALENDAR_FILE
    names another; a broken file stops the calendar from being built at all."""
    shipped = CompanyCalendar.load(DEFAULT_FILE)
    assert all(y <= 2026 or shipped.get(y).notice for y in shipped.years)
    other = tmp_path / "CN.json"
    other.write_text(json.dumps(CompanyCalendar((schedule(),)).to_json()), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(other))
    assert default_schedules().company.years == [2027]
    broken = tmp_path / "broken.json"
    broken.write_text('{"years": {"2027": {"notice": "n", "holidays": []}}}', encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(broken))
    with pytest.raises(ScheduleError, match="no holidays"):
        WorkingCalendar()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.json"))
    with pytest.raises(ScheduleError, match="no such file"):
        WorkingCalendar()


# --- the file format ---------------------------------------------------------------


def test_schedule_json_round_trip_and_notice_formats(tmp_path):  # SPEC S19
    parsed = parse_notice(FIXTURE.read_text(encoding="utf-8"))
    company = CompanyCalendar((parsed,))
    assert CompanyCalendar.from_json(json.loads(json.dumps(company.to_json()))) == company
    entry = tmp_path / "2027.json"
    entry.write_text(json.dumps({"year": 2027, **parsed.to_json()}), encoding="utf-8")
    assert read_notice(entry) == [parsed]
    whole = tmp_path / "CN.json"
    whole.write_text(json.dumps(company.to_json()), encoding="utf-8")
    assert read_notice(whole) == [parsed]
    assert parsed.published == date(2026, 11, 15) and len(parsed.workdays) == 5


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"notice": " "}, "notice it came from"),
    ({"holidays": ()}, "no holidays"),
    ({"holidays": (Holiday("x", date(2027, 10, 7), date(2027, 10, 1)),)}, "ends before"),
    ({"holidays": (Holiday("x", date(2027, 7, 1), date(2027, 8, 15)),)}, "longer than a month"),
    ({"holidays": (Holiday("x", date(2028, 1, 1), date(2028, 1, 2)),)}, "outside 2027"),
    ({"holidays": (Holiday("a", date(2027, 10, 1), date(2027, 10, 7)),
                   Holiday("b", date(2027, 10, 7), date(2027, 10, 8)))}, "overlap"),
    ({"workdays": (AdjustedWorkday(date(2027, 9, 27)),)}, "is a Monday"),
    ({"workdays": (AdjustedWorkday(date(2027, 10, 2)),)}, "inside a holiday"),
    ({"workdays": (AdjustedWorkday(date(2027, 9, 26)),) * 2}, "listed twice"),
    ({"year": 1999}, "year must be"),
])
def test_s19_impossible_schedules_are_refused(overrides, problem):  # SPEC S19
    with pytest.raises(ScheduleError, match=problem):
        schedule(**overrides)


def test_s19_malformed_files_and_notices_are_refused():  # SPEC S19
    with pytest.raises(ScheduleError, match="twice"):
        CompanyCalendar((schedule(), schedule()))
    with pytest.raises(ScheduleError, match="format"):
        CompanyCalendar.from_json({"format": 2, "years": {}})
    with pytest.raises(ScheduleError, match="not a year"):
        CompanyCalendar.from_json({"years": {"next": {}}})
    with pytest.raises(ScheduleError, match="not a schedule entry"):
        CompanyCalendar.from_json({"years": {"2027": {"notice": "n", "holidays": [{}]}}})
    with pytest.raises(ScheduleError, match="year is missing"):
        parse_notice("notice n\nholiday 2027-10-01 国庆节")
    with pytest.raises(ScheduleError, match="line 2: unknown key 'holidy'"):
        parse_notice("year 2027\nholidy 2027-10-01 国庆节")
    with pytest.raises(ScheduleError, match="line 2"):
        parse_notice("year 2027\nholiday 2027-13-01 国庆节")
