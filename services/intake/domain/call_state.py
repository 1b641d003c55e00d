"""The life of a call in the register (CONTRACT "Intake", SPEC S8, S9).

A call is ``registered`` when the clerk enters it (S8), ``dispatched`` once the
supervisor gives its voucher to a technician, ``in_service`` when the technician arrives
or takes the product to the workshop, ``completed`` when the customer signed the
voucher, or ``cancelled`` when withdrawn with a reason. Filing (S9 注銷 + file) does
not change the status: it stamps ``filed_at`` on a completed call.

Invariants:
- Dispatch reports arrive on independent consumers, so possibly out of order: a call
  only ever moves forward, and a stale report changes nothing.
- ``cancelled`` is final, except that a customer-signed completion wins: the work was
  done (the cancel crossed it on the way), so the register must show it.
- Only a completed, unfiled call can be filed; only a call nobody is working on yet can
  be cancelled.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared.rules import RuleBroken, WrongState


class CallStatus(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    IN_SERVICE = "in_service"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_RANK = {
    CallStatus.REGISTERED: 0,
    CallStatus.DISPATCHED: 1,
    CallStatus.IN_SERVICE: 2,
    CallStatus.COMPLETED: 3,
}


def progressed(current: CallStatus | str, reported: CallStatus | str) -> CallStatus | None:
    """SPEC S8/S9: the status a dispatch report moves the call to, or None if stale."""
    current, reported = CallStatus(current), CallStatus(reported)
    if current is CallStatus.CANCELLED:
        return CallStatus.COMPLETED if reported is CallStatus.COMPLETED else None
    if reported is CallStatus.CANCELLED:
        raise ValueError("cancellation is the clerk's decision, not a dispatch report")
    return reported if _RANK[reported] > _RANK[current] else None


def check_cancellable(status: CallStatus | str, reason: str) -> None:
    """A call is withdrawn, with a reason, only before anyone is working on it (S9)."""
    status = CallStatus(status)
    if not reason.strip():
        raise RuleBroken("a cancellation needs a reason", rule="S9", field="reason")
    if status is CallStatus.CANCELLED:
        raise WrongState("the call is already cancelled", rule="S9", field="status")
    if status is CallStatus.COMPLETED:
        raise WrongState(
            "a completed call is cancelled by filing it, not withdrawn", rule="S9", field="status"
        )
    if status is CallStatus.IN_SERVICE:
        raise WrongState(
            "a technician is on the job: it must be completed, not withdrawn",
            rule="S9", field="status",
        )


def check_fileable(status: CallStatus | str, filed_at: datetime | None) -> None:
    """S9: the clerk files the voucher once the job is completed and signed, and once."""
    if filed_at is not None:
        raise WrongState("the call is already filed", rule="S9", field="status")
    if CallStatus(status) is not CallStatus.COMPLETED:
        raise WrongState(
            f"only a completed call can be filed; this one is {status}",
            rule="S9", field="status",
        )
