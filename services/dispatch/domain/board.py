"""The supervisor's board (SPEC S8, S18, S20).

Invariants:
- Order: waiting vouchers first, then priority ones, then by arrival deadline (S8/S18);
  the voucher number breaks ties so the order is total and stable.
- A waiting call received on an earlier branch-local day than today is priority at
  read time (S18's intent: yesterday's undispatched work comes first), whether or not
  the morning reconciliation has flagged it yet.
- Closed vouchers (completed, cancelled) leave the board.
- A renewal visit (S20) is a voucher-like line numbered ``{branch}-R{contract_no}``, one
  per contract however often the expiry notice is repeated.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


class VoucherStatus(StrEnum):
    WAITING = "waiting"  # with the supervisor, no technician yet (S8)
    ASSIGNED = "assigned"  # given to a technician, not yet at the customer
    ON_SITE = "on_site"  # the technician arrived (S9, S19)
    IN_WORKSHOP = "in_workshop"  # product taken back with a pick-up receipt (S11)
    COMPLETED = "completed"  # signed by the customer and filed (S9, S12)
    CANCELLED = "cancelled"  # the call was withdrawn at intake


WAITING = VoucherStatus.WAITING.value
CLOSED = frozenset({VoucherStatus.COMPLETED.value, VoucherStatus.CANCELLED.value})


class VoucherKind(StrEnum):
    CALL = "call"  # from a repair call registered at intake (S8)
    RENEWAL = "renewal"  # a visit to win a maintenance-contract renewal (S20)


class BoardEntry(Protocol):
    status: str
    priority: bool
    arrival_due_at: datetime
    voucher_no: str


def board_order(entry: BoardEntry) -> tuple[bool, bool, datetime, str]:
    """SPEC S8/S18: waiting vouchers first, priority ones first, then by arrival deadline."""
    return (entry.status != WAITING, not entry.priority, entry.arrival_due_at, entry.voucher_no)


def on_board(status: str) -> bool:
    """Open vouchers are on the board; completed and cancelled ones are not."""
    return status not in CLOSED


def renewal_voucher_no(branch: str, contract_no: str) -> str:
    """S20: the renewal visit's line number, one per contract."""
    return f"{branch}-R{contract_no}"


def renewal_due_at(ends_on: date, timezone: str) -> datetime:
    """S20: the renewal visit must happen before the contract ends (its local midnight)."""
    return datetime.combine(ends_on, time(0), tzinfo=ZoneInfo(timezone))


def cancellable(status: str) -> bool:
    """A withdrawn call drops its voucher unless the job is done or the product is in
    the workshop (the customer's product must still come back through S12)."""
    return status not in CLOSED and status != VoucherStatus.IN_WORKSHOP.value


# SPEC S18: the reason a waiting call is priority before any reconciliation said so.
EARLIER_DAY_REASON = "received on {day}, an earlier day, and not dispatched yet (S18)"


def received_earlier_day(
    *, status: str, kind: str, received_on: date, today: date
) -> bool:
    """S18: a call still waiting whose receipt day (branch-local) is before today."""
    return status == WAITING and kind == VoucherKind.CALL and received_on < today


def priority_of(
    *, status: str, kind: str, stored: bool, stored_reason: str | None, received_on: date,
    today: date,
) -> tuple[bool, str | None]:
    """S18: the board's priority for a line, computed when it is read: flagged (by the
    call's registration or the morning reconciliation), or an earlier day's waiting call."""
    if stored:
        return True, stored_reason
    if received_earlier_day(status=status, kind=kind, received_on=received_on, today=today):
        return True, EARLIER_DAY_REASON.format(day=received_on.isoformat())
    return False, None
