"""The supervisor's board (SPEC S8, S18, S20), pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.dispatch.domain.board import (
    board_order,
    cancellable,
    on_board,
    renewal_due_at,
    renewal_voucher_no,
)


@dataclass
class Line:
    voucher_no: str
    status: str
    priority: bool
    arrival_due_at: datetime


def _at(hour: int) -> datetime:
    return datetime(2026, 3, 16, hour, tzinfo=UTC)


def test_s18_board_waiting_first_then_priority_then_deadline() -> None:
    # SPEC S8/S18
    lines = [
        Line("V1", "assigned", True, _at(1)),
        Line("V2", "waiting", False, _at(2)),
        Line("V3", "waiting", True, _at(9)),
        Line("V4", "waiting", False, _at(1)),
        Line("V5", "waiting", True, _at(5)),
    ]
    assert [v.voucher_no for v in sorted(lines, key=board_order)] == [
        "V5", "V3", "V4", "V2", "V1"]


def test_s8_board_order_is_total_on_equal_deadlines() -> None:
    same = [Line("V9", "waiting", False, _at(3)), Line("V8", "waiting", False, _at(3))]
    assert [v.voucher_no for v in sorted(same, key=board_order)] == ["V8", "V9"]


def test_s8_closed_vouchers_leave_the_board() -> None:
    assert on_board("waiting") and on_board("assigned") and on_board("in_workshop")
    assert not on_board("completed") and not on_board("cancelled")


def test_s11_withdrawn_call_keeps_a_product_in_the_workshop_on_the_books() -> None:
    assert cancellable("waiting") and cancellable("assigned") and cancellable("on_site")
    assert not cancellable("in_workshop") and not cancellable("completed")


def test_s20_renewal_visit_line_is_one_per_contract_due_before_the_contract_ends() -> None:
    assert renewal_voucher_no("SC01", "MC0042") == "SC01-RMC0042"
    due = renewal_due_at(date(2026, 4, 30), "Asia/Shanghai")
    assert due == datetime(2026, 4, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
