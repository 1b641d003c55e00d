"""Retail front-desk conditions checked as a step completes (SPEC R2b).

- A refund (handling ``return`` at retail) is made with the customer and the counter staff
  or the counter-group leader present and the original invoice collected. These are
  required fields of the step that decides the handling, the last counter step before the
  refund instruction goes to the POS (billing sends it when the case closes, §7) or to the
  cashier; a missing or false one is refused naming it.
- Gifts borrowed from another vendor need the counter staff and the branch organiser
  (分公司主辦; [choice] the branch_manager role) told and agreeing first: the agreement is
  recorded on the case beforehand (``gifts_agreed``), else the step naming the gifts is
  refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.rules import RuleBroken, WrongState

from .case_state import CaseState

RULE = "R2b"
REFUND_HANDLINGS: frozenset[str] = frozenset({"return"})
STAFF_PRESENT: tuple[str, ...] = ("counter", "counter_lead")


def refund_conditions(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """R2b: a refund names who was present and that the original invoice was collected."""
    if decision.get("handling") not in REFUND_HANDLINGS:
        return dict(decision)
    if decision.get("customer_present") is not True:
        raise RuleBroken("a refund is made with the customer present",
                         field="customer_present", rule=RULE)
    if decision.get("staff_present") not in STAFF_PRESENT:
        raise RuleBroken("a refund is made with the counter staff or leader present",
                         field="staff_present", rule=RULE)
    if decision.get("invoice_collected") is not True:
        raise RuleBroken("the original invoice must be collected before the refund",
                         field="invoice_collected", rule=RULE)
    return dict(decision)


def gifts_agreed(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """R2b: gifts borrowed from another vendor were agreed by the branch organiser first."""
    if decision.get("borrowed_gifts") and not case.attributes.get("gifts_agreed"):
        raise WrongState(
            "record the counter staff's and the branch organiser's agreement to borrow the "
            "gifts first", field="borrowed_gifts", rule=RULE,
        )
    return dict(decision)
