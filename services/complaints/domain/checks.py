"""Named checks a workflow step may carry, run as the step is completed (C9.1, C9.7, C9.13).

Like conditions, checks are code picked by name from a workflow definition. Each reads the
case with the step's new decision already recorded and returns the decision, completed with
any value it derives; it raises naming the field and rule when the step may not complete.
Case attributes they read: `defective_quantity` (C9.1) and `supplier_coordinated` (C9.13).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.rules import RuleBroken, WrongState

from .case_state import CaseState
from .fields import FaultCause
from .hops import joint_inspection_attended
from .retail import gifts_agreed, refund_conditions

Check = Callable[[CaseState, Mapping[str, Any]], dict[str, Any]]


def fault_is_ours(case: CaseState) -> bool:
    """A handling other than `not_valid` means the complaint stands (SPEC C9.7, C9.14)."""
    return case.fact("handling") not in (None, "not_valid")


def _return_quantity_known(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """C9.1/C9.8: a return (or a reprocess, whose goods come back too: C13.1(2)) carries
    its quantity: the defective one, else one agreed now."""
    if decision.get("handling") not in ("return", "reprocess") or decision.get(
            "return_quantity") is not None:
        return dict(decision)
    if case.attributes.get("defective_quantity") is None:
        raise RuleBroken(
            "the defective quantity is still undetermined: give the quantity agreed for return",
            field="return_quantity", rule="C9.1",
        )
    return dict(decision)


def _supplier_coordinated(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """C9.13: when QA names a supplier, the GM office records its coordination first."""
    supplier = case.fact("supplier")
    if supplier and not case.attributes.get("supplier_coordinated"):
        raise WrongState(
            f"record the GM office's coordination with supplier {supplier!r} first",
            field="supplier", rule="C9.13",
        )
    return dict(decision)


def _improvement_decided(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """C9.7: our fault is tracked for improvement unless it was human negligence."""
    exempt = case.fact("cause_category") == FaultCause.HUMAN_NEGLIGENCE.value
    required = fault_is_ours(case) and not exempt
    given = decision.get("improvement_tracking")
    if required and given is False:
        raise RuleBroken(
            "our fault must be tracked for improvement unless it was human negligence",
            field="improvement_tracking", rule="C9.7",
        )
    return {**decision, "improvement_tracking": required if given is None else given}


CHECKS: dict[str, Check] = {
    "return_quantity_known": _return_quantity_known,  # C9.1, C9.8
    "supplier_coordinated": _supplier_coordinated,  # C9.13
    "improvement_decided": _improvement_decided,  # C9.7
    "refund_conditions": refund_conditions,  # R2b: present, invoice collected
    "gifts_agreed": gifts_agreed,  # R2b: the branch organiser agreed beforehand
    "joint_inspection_attended": joint_inspection_attended,  # C9.2b
}
