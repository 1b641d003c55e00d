"""Daily reports and their sign-off (SPEC S6, S15, S16, S17), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.dispatch.domain.reports import (
    by_technician,
    check_manual_category,
    check_unsigned,
    check_work_day,
    minutes_by_category,
)
from shared.rules import RuleBroken, WrongState


def test_s6_technicians_log_only_d_by_hand() -> None:
    check_manual_category("D")
    for category in ("A", "B", "C"):
        with pytest.raises(RuleBroken) as refused:
            check_manual_category(category)
        assert (refused.value.rule, refused.value.field) == ("S6", "category")


def test_s15_minutes_by_category_shows_all_four() -> None:
    assert minutes_by_category([]) == {"A": 0, "B": 0, "C": 0, "D": 0}
    assert minutes_by_category([("A", 45), ("D", 30), ("A", 15)]) == {
        "A": 60, "B": 0, "C": 0, "D": 30}


def test_s15_no_work_logged_ahead_of_the_day() -> None:
    check_work_day(date(2026, 3, 16), date(2026, 3, 16))
    with pytest.raises(RuleBroken):
        check_work_day(date(2026, 3, 17), date(2026, 3, 16))


def test_s16_supervisor_report_sums_over_technicians() -> None:
    rows = [("T02", "C", 90), ("T01", "A", 45), ("T01", "D", 30), ("T02", "D", 10)]
    assert by_technician(rows) == {
        "T01": {"A": 45, "B": 0, "C": 0, "D": 30},
        "T02": {"A": 0, "B": 0, "C": 90, "D": 10},
    }


@given(st.lists(st.tuples(st.sampled_from(["T01", "T02", "T03"]),
                          st.sampled_from("ABCD"), st.integers(1, 600))))
def test_s16_property_branch_total_equals_sum_of_technicians(
    rows: list[tuple[str, str, int]]
) -> None:
    branch = minutes_by_category((c, m) for _, c, m in rows)
    per_tech = by_technician(rows)
    for category in "ABCD":
        assert branch[category] == sum(t[category] for t in per_tech.values())


def test_s17_a_signed_report_is_immutable() -> None:
    check_unsigned("SC01", date(2026, 3, 16), None)
    with pytest.raises(WrongState) as refused:
        check_unsigned("SC01", date(2026, 3, 16), datetime(2026, 3, 16, 10, tzinfo=UTC))
    assert refused.value.rule == "S17"
