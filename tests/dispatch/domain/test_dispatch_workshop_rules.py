"""Carry-in repairs (SPEC S11–S14), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.dispatch.domain.workshop import (
    check_inspection,
    check_return,
    check_work,
    overdue_as_of,
    overdue_at,
    pickup_receipt_no,
    repair_card_no,
)
from shared.rules import RuleBroken, WrongState

SH = ZoneInfo("Asia/Shanghai")


def test_s11_receipt_and_card_numbers_follow_the_branch() -> None:
    assert repair_card_no("SC01", 7) == "SC01-RC000007"
    assert pickup_receipt_no("SC01", 7) == "SC01-PR000007"


def test_s14_late_from_the_end_of_the_promised_day_in_the_branch_zone() -> None:
    due = overdue_at(date(2026, 3, 18), "Asia/Shanghai")
    assert due == datetime(2026, 3, 19, 0, tzinfo=SH)
    assert due == datetime(2026, 3, 18, 16, tzinfo=UTC)


def test_s14_overdue_as_of_unless_returned_by_then() -> None:
    due = datetime(2026, 3, 18, 16, tzinfo=UTC)
    before, after = due - timedelta(seconds=1), due + timedelta(hours=1)
    assert not overdue_as_of(due_at=due, returned_at=None, as_of=before)
    assert overdue_as_of(due_at=due, returned_at=None, as_of=due)
    assert overdue_as_of(due_at=due, returned_at=after + timedelta(hours=1), as_of=after)
    assert not overdue_as_of(due_at=due, returned_at=after, as_of=after)


def test_s12_work_goes_on_an_open_card_only() -> None:
    check_work("open", 30, 0)
    check_work("open", 0, 1)
    with pytest.raises(RuleBroken):
        check_work("open", 0, 0)
    for status in ("inspected", "returned"):
        with pytest.raises(WrongState) as refused:
            check_work(status, 30, 0)
        assert refused.value.rule == "S12"


def test_s12_inspection_needs_repair_work_and_happens_once() -> None:
    check_inspection("open", 1)
    with pytest.raises(WrongState, match="no repair work"):
        check_inspection("open", 0)
    with pytest.raises(WrongState, match="already inspected"):
        check_inspection("inspected", 1)


def test_s12_return_after_inspection_against_the_customers_receipt() -> None:
    check_return("inspected", receipt_no="SC01-PR000001", presented=" SC01-PR000001 ")
    with pytest.raises(WrongState, match="inspection"):
        check_return("open", receipt_no="SC01-PR000001", presented="SC01-PR000001")
    with pytest.raises(WrongState, match="already returned"):
        check_return("returned", receipt_no="SC01-PR000001", presented="SC01-PR000001")
    with pytest.raises(RuleBroken) as wrong:
        check_return("inspected", receipt_no="SC01-PR000001", presented="SC01-PR000002")
    assert wrong.value.field == "pickup_receipt_no"
