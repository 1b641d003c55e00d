"""Checks for the hops of clause 九 that the first version skipped (SPEC C9.2b).

Picked by name from a workflow definition like the other checks (``checks.CHECKS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.rules import RuleBroken

from .case_state import CaseState


def joint_inspection_attended(case: CaseState, decision: Mapping[str, Any]) -> dict[str, Any]:
    """C9.2b: QA goes with manufacturing and reports what it found; when QA could not go
    (`qa_attended` false) the GM assigns someone next, who reports instead."""
    if decision.get("qa_attended") is not True:
        return dict(decision)
    for name, what in (("manufacturing_attendee", "who from manufacturing went with QA"),
                       ("inspection_report", "QA's report of the inspection")):
        if decision.get(name) is None:
            raise RuleBroken(f"give {what}", field=name, rule="C9.2b")
    return dict(decision)
