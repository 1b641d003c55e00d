"""Assigning vouchers and visiting customers (SPEC S8, S9, S11, S19).

Invariants:
- Only a technician of the voucher's branch can be given it; a voucher can be
  (re)assigned only before the technician reached the customer (S8).
- The arrival time is the technician's device time, so an offline technician is judged
  by when they really arrived (S19), but only within the branch's device window: the
  service accepts it through ``shared.claimed.accept_claim`` (SPEC CT1), and an arrival
  typed earlier than that needs a supervisor's approval and reason. ``sla_met`` is
  ``arrived_at <= arrival_due_at`` on the accepted claim, so typing an earlier time can
  never improve it beyond what the window allows.
- Work is completed or carried in only after arrival, and only once (S9, S11).
- A covered (B) job says what failed and why (SPEC E3/E4), so that the cover can be
  judged: the component and the cause are required for it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from shared.rules import RuleBroken, WrongState

from .board import VoucherKind, VoucherStatus

# SPEC E3: billing's Component and Cause values (dispatch names them, never imports them).
Component = Literal["main_board", "power_supply", "display", "compressor", "motor", "cabinet",
                    "remote_control", "other", "consumable"]
Cause = Literal["defect", "wear", "power_surge", "misuse", "accidental_damage"]
COMPONENTS: tuple[str, ...] = get_args(Component)
CAUSES: tuple[str, ...] = get_args(Cause)


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


def check_findings(category: str, *, component: str | None, cause: str | None) -> None:
    """E3/E4: a covered (B) job names the failed component and the cause (422 otherwise)."""
    if category != "B":
        return
    for field, value in (("component", component), ("cause", cause)):
        if value is None:
            raise RuleBroken(
                f"a covered (B) job must say the {field} of the failure, so that the "
                "extended warranty's cover can be judged", rule="E3", field=field)
