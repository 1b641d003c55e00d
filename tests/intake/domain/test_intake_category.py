"""Intake's pure rules: service category and arrival deadline (SPEC S6, S19)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.intake import domain
from services.intake.domain import Cover, ServiceCategory, SlaClass
from shared.calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")


def test_s6_inside_maker_warranty_is_free_c() -> None:
    # SPEC S6
    assert domain.decide_category(
        on=date(2026, 5, 1), warranty_ends=date(2026, 12, 31), covers=[]
    ) is ServiceCategory.C


def test_s6_contract_or_extended_warranty_is_b() -> None:
    # SPEC S6
    cover = Cover("extended_warranty", date(2027, 1, 1), date(2029, 12, 31))
    assert domain.decide_category(
        on=date(2027, 6, 1), warranty_ends=date(2026, 12, 31), covers=[cover]
    ) is ServiceCategory.B


def test_s6_no_cover_is_paid_a() -> None:
    # SPEC S6: an expired contract does not cover
    expired = Cover("contract", date(2025, 1, 1), date(2025, 12, 31))
    assert domain.decide_category(
        on=date(2026, 6, 1), warranty_ends=date(2026, 1, 9), covers=[expired]
    ) is ServiceCategory.A


def test_s6_warranty_last_day_still_free() -> None:
    # SPEC S6: the warranty end date is inclusive
    ends = domain.warranty_ends_on(date(2025, 1, 10), 12)
    assert ends == date(2026, 1, 9)
    assert domain.decide_category(on=ends, warranty_ends=ends, covers=[]) is ServiceCategory.C


def test_warranty_end_clamps_to_month_end() -> None:
    assert domain.warranty_ends_on(date(2024, 1, 31), 1) == date(2024, 2, 28)
    assert domain.warranty_ends_on(date(2024, 2, 29), 12) == date(2025, 2, 27)


def test_s19_urban_six_suburban_seven_working_hours() -> None:
    # SPEC S19: Monday 09:00 urban → 16:00; suburban → 17:00
    cal = WorkingCalendar()
    monday = datetime(2026, 3, 16, 9, 0, tzinfo=SH)
    assert domain.arrival_due(cal, monday, SlaClass.URBAN) == datetime(2026, 3, 16, 16, tzinfo=SH)
    assert domain.arrival_due(cal, monday, SlaClass.SUBURBAN) == datetime(
        2026, 3, 16, 17, tzinfo=SH
    )


def test_phone_normalised_for_duplicate_check() -> None:
    assert domain.normalise_phone("138 0000-0001") == domain.normalise_phone("13800000001")
