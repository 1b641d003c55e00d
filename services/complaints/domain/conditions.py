"""Named conditions a workflow step may carry; a step whose condition is false is skipped.

Conditions are code, picked by name from a workflow definition (SPEC C9.4, R2, Q26). Each
reads the case's decisions so far and, where money is involved, the approval matrix.
"""

from __future__ import annotations

from collections.abc import Callable

from .approval import ApprovalMatrix, approval_required
from .case_state import CaseState

Condition = Callable[[CaseState, ApprovalMatrix], bool]


def _rnd_required(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return case.fact("rnd_required") is True


def _amount_needs_approval(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return approval_required(case.fact("handling"), case.fact("amount"), matrix)


def _settlement_required(case: CaseState, matrix: ApprovalMatrix) -> bool:
    # A case from a store with a POS is settled at the till: billing sends the refund or
    # allowance to the POS as an instruction and books the cashier's confirmation (§7).
    return case.fact("handling") not in (None, "not_valid") and not case.fact("store_id")


def _serious(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return case.fact("severity") == "serious"


def _general(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return case.fact("severity") != "serious"


def _joint_inspection_held(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return case.attributes.get("joint_inspection_on") is not None


def _qa_absent(case: CaseState, matrix: ApprovalMatrix) -> bool:
    return case.fact("qa_attended") is False


# Named conditions a step may carry; the step is skipped when its condition is false.
CONDITIONS: dict[str, Condition] = {
    "rnd_required": _rnd_required,  # C9.4: R&D comments only where QA asks for it
    "amount_needs_approval": _amount_needs_approval,  # C9.4 / R2: beyond counter authority
    "settlement_required": _settlement_required,  # R2: the cashier acts unless not valid
    "serious_complaint": _serious,  # Q26: vice GM handles, letter to the customer
    "general_complaint": _general,  # Q26: service department handles
    "joint_inspection_held": _joint_inspection_held,  # C9.2b: sales asked for one (C9.2)
    "qa_absent": _qa_absent,  # C9.2b: QA could not go; the GM assigns someone
}
# Decision fields a condition reads; an earlier step must ask for them.
CONDITION_INPUTS: dict[str, tuple[str, ...]] = {
    "rnd_required": ("rnd_required",),
    "amount_needs_approval": ("handling", "amount"),
    "settlement_required": ("handling",),
    "qa_absent": ("qa_attended",),
}
