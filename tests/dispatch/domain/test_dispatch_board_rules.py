"""The supervisor's board (SPEC S8, S18, S20), pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.dispatch.domain.board import (
    board_order,
    cancellable,
    on_board,
    priority_of,
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


def test_s18_a_waiting_call_of_an_earlier_day_is_priority_when_read() -> None:
    today = date(2026, 3, 16)
    earlier, _ = priority_of(status="waiting", kind="call", stored=False, stored_reason=None,
                             received_on=date(2026, 3, 13), today=today)
    assert earlier
    for status, kind, received_on in (("waiting", "call", today),
                                      ("assigned", "call", date(2026, 3, 13)),
                                      ("waiting", "renewal", date(2026, 3, 13))):
        assert priority_of(status=status, kind=kind, stored=False, stored_reason=None,
                           received_on=received_on, today=today) == (False, None)
    # flagged by intake or the reconciliation: kept, with its own reason
    assert priority_of(status="assigned", kind="call", stored=True, stored_reason="S18 flag",
                       received_on=today, today=today) == (True, "S18 flag")
