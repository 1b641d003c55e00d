"""Assigning vouchers and visiting customers (SPEC S8, S9, S11, S19).

Invariants:
- Only a technician of the voucher's branch can be given it; a voucher can be
  (re)assigned only before the technician reached the customer (S8).
- The arrival time is the technician's device time, so an offline technician is judged
  by when they really arrived (S19); it may not lie in the future beyond a small clock
  skew, nor before the call was received. ``sla_met`` is ``arrived_at <= arrival_due_at``.
- Work is completed or carried in only after arrival, and only once (S9, S11).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.rules import RuleBroken, WrongState

from .board import VoucherKind, VoucherStatus

MAX_CLOCK_SKEW = timedelta(minutes=5)


def check_technician(role: str | None, *, branch: str, technician_id: str) -> None:
    """S8: the supervisor dispatches to the branch's own technicians."""
    if role != "technician":
        raise RuleBroken(
            f"{technician_id} is not a technician of {branch}", rule="S8", field="technician_id"
        )


def check_assignable(status: str, current: str | None, new: str) -> bool:
    """S8: assign a waiting voucher or reassign before arrival; True if a reassignment."""
    if status not in (VoucherStatus.WAITING, VoucherStatus.ASSIGNED):
        raise WrongState(
            f"the voucher is {status}; it can be (re)assigned only before arrival",
            rule="S8", field="status",
        )
    if current == new:
        raise WrongState(f"the voucher is already assigned to {new}", rule="S8",
                         field="technician_id")
    return current is not None


def device_time(
    at: datetime | None, *, now: datetime, not_before: datetime, field: str, what: str,
) -> datetime:
    """A time reported by the technician's device, checked against the server's clock (S19).

    Returns it in UTC; ``at`` None means "now" (the device was online).
    """
    when = (at or now).astimezone(UTC)
    if when > now + MAX_CLOCK_SKEW:
        raise RuleBroken(f"{what} lies in the future (server time {now.isoformat()})",
                         rule="S19", field=field)
    if when < not_before:
        raise RuleBroken(f"{what} is before {not_before.isoformat()}", rule="S19", field=field)
    return when


def sla_met(arrived_at: datetime, arrival_due_at: datetime) -> bool:
    """S19: the promise is kept when the technician arrived by the deadline."""
    return arrived_at <= arrival_due_at


def check_arrival(status: str) -> None:
    """S9: a technician arrives once, on a voucher given to them."""
    if status != VoucherStatus.ASSIGNED:
        raise WrongState(
            f"arrival is recorded on an assigned voucher; this one is {status}",
            rule="S9", field="status",
        )


def check_completion(status: str) -> None:
    """S9: the job is completed on site after arrival, and once."""
    if status == VoucherStatus.COMPLETED:
        raise WrongState("the voucher is already completed", rule="S9", field="status")
    if status != VoucherStatus.ON_SITE:
        raise WrongState(
            f"the job is completed on site after arrival; the voucher is {status}",
            rule="S9", field="status",
        )


def check_carry_in(status: str, kind: str, promised_on: date, today: date) -> None:
    """S11: a product is taken back from the customer's site, with a promised date."""
    if kind != VoucherKind.CALL:
        raise WrongState("a renewal visit has no product to take back", rule="S11",
                         field="voucher_no")
    if status != VoucherStatus.ON_SITE:
        raise WrongState(
            f"the product is taken back from the customer's site; the voucher is {status}",
            rule="S11", field="status",
        )
    if promised_on < today:
        raise RuleBroken(f"the promised date {promised_on} has already passed", rule="S11",
                         field="promised_on")
