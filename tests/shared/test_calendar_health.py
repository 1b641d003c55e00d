"""The calendar is never silently wrong (SPEC S19, docs/rules.md "Calendar data"):
/healthz details and the start-up warning name a year without an official schedule."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from services.survey.app import create_app as survey_app
from shared.branches import DEFAULT_FILE as BRANCHES_FILE
from shared.calendar import ChinaSchedules, WorkingCalendar, calendar_health
from shared.calendar_file import ENV_VAR, CompanyCalendar, parse_notice
from shared.clock import FixedClock
from shared.logs import JsonFormatter
from tests.helpers import running

FIXTURE = Path(__file__).with_name("calendar-2027-FIXTURE.txt")
TODAY = datetime(2026, 12, 1, 9, tzinfo=UTC)  # the today: January 2027 is weeks away
DEGRADED = WorkingCalendar(schedules=ChinaSchedules())
LOADED = WorkingCalendar(schedules=ChinaSchedules(CompanyCalendar(
    (parse_notice(FIXTURE.read_text(encoding="utf-8")),))))


def test_s19_health_is_degraded_for_2027_without_its_schedule():  # SPEC S19
    detail = calendar_health({"SC01": DEGRADED, "SC02": DEGRADED}, TODAY)
    assert detail["status"] == "degraded"
    assert detail["checked_years"] == [2026, 2027] and detail["unofficial_years"] == [2027]
    assert detail["sources"]["2026"].startswith("chinese_calendar")
    assert detail["sources"]["2027"].startswith("holidays.China")
    assert "branches" not in detail  # the branches agree


def test_s19_health_is_ok_once_2027_is_loaded_and_names_differing_branches():  # SPEC S19
    assert calendar_health({"SC01": LOADED}, TODAY)["status"] == "ok"
    assert calendar_health({"SC01": DEGRADED}, datetime(2025, 6, 1, tzinfo=UTC))["status"] == "ok"
    own_days = WorkingCalendar(china_holidays=False, schedules=ChinaSchedules())
    detail = calendar_health({"SC01": DEGRADED, "HK01": own_days}, TODAY)
    assert detail["status"] == "degraded"
    assert detail["branches"] == {"SC01": [2027], "HK01": []}


def _copy_branches(tmp: Path) -> Path:
    # A fresh path, so the branches (and their calendars) are built under this test's
    # AFTERSALES_CALENDAR_FILE rather than taken from load_branches' cache.
    return Path(shutil.copy(BRANCHES_FILE, tmp / "branches.json"))


async def test_s19_healthz_and_startup_warn_of_2027(ns, tmp_path, monkeypatch, caplog):
    """/healthz stays 200 ``ok`` (CONTRACT) with the calendar degraded for 2027; the
    start-up log warns once, naming the year, as one structured line."""  # SPEC S19
    empty = tmp_path / "CN.json"
    empty.write_text('{"format": 1, "years": {}}', encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(empty))
    settings = ns.settings("survey", branches_file=_copy_branches(tmp_path))
    caplog.set_level(logging.WARNING, logger="aftersales.runtime")
    async with running(survey_app(settings, clock=FixedClock(TODAY))) as survey:
        r = await survey.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["calendar"]["status"] == "degraded"
    assert body["calendar"]["unofficial_years"] == [2027]
    warnings = [rec for rec in caplog.records if "calendar degraded" in rec.getMessage()]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()
    assert "aftersales calendar import" in warnings[0].getMessage()
    line = json.loads(JsonFormatter("survey").format(warnings[0]))
    assert line["level"] == "WARNING"
    assert line["detail"]["calendar"]["unofficial_years"] == [2027]


async def test_s19_healthz_is_ok_with_2027_loaded(ns, tmp_path, monkeypatch, caplog):
    """After ``aftersales calendar import`` (and a restart) the warning is gone."""  # SPEC S19
    loaded = tmp_path / "CN.json"
    loaded.write_text(json.dumps(LOADED.schedules.company.to_json()), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(loaded))
    settings = ns.settings("survey", branches_file=_copy_branches(tmp_path))
    caplog.set_level(logging.WARNING, logger="aftersales.runtime")
    async with running(survey_app(settings, clock=FixedClock(TODAY))) as survey:
        r = await survey.get("/healthz")
    assert r.status_code == 200
    assert r.json()["calendar"] == {
        "status": "ok", "checked_years": [2026, 2027], "unofficial_years": [],
        "sources": {"2026": "chinese_calendar 1.11.0",
                    "2027": LOADED.schedules.year(2027).source},
    }
    assert not [rec for rec in caplog.records if "calendar degraded" in rec.getMessage()]


def test_health_names_a_degraded_year_without_loading_the_fallback_library():  # issue 17
    # A fresh interpreter: the check must not import ``holidays`` (16 MB resident), while a
    # deadline into that year still counts the fallback's public holidays.
    probe = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from shared.calendar import ChinaSchedules, WorkingCalendar, calendar_health\n"
        "cal = WorkingCalendar(schedules=ChinaSchedules())\n"
        "detail = calendar_health({'SC01': cal}, datetime(2026, 12, 1, 9, tzinfo=UTC))\n"
        "assert detail['unofficial_years'] == [2027], detail\n"
        "print('holidays' in sys.modules)\n"
        "print(cal.is_working_day(datetime(2027, 1, 1).date()))\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert out == ["False", "False", "True"]  # New Year's Day off, from the fallback
