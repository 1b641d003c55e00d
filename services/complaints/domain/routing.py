"""Walking a workflow definition: start, next step, owner, deadlines, step input (C9.4, C10).

[choice] Step times are calendar time: a "day" is the definition's `day_hours` (24) hours,
so ½ day is 12 hours. Pass `advance=` to count inside a branch's working-hours calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.rules import RuleBroken, WrongState

from .approval import (
    approver_for,
    approvers_for,
    check_promise_within_authority,
    check_within_approval,
)
from .case_state import CaseState
from .checks import CHECKS
from .common import check_market, to_utc
from .conditions import CONDITIONS
from .fields import COMMON_OPTIONAL, coerce
from .workflow import REJECT_FIELDS, Advance, StepDef, WorkflowDef


def _applies(defn: WorkflowDef, step: StepDef, case: CaseState) -> bool:
    # SPEC C9.4b: a hop the company switched off is never routed to.
    if not step.enabled:
        return False
    return step.condition is None or CONDITIONS[step.condition](case, defn.approval_matrix)


def first_step(defn: WorkflowDef, case: CaseState | None = None) -> str:
    """The step a new case starts at: the first whose condition holds (SPEC C9.4)."""
    state = case or CaseState()
    for step in defn.steps:
        if _applies(defn, step, state):
            return step.name
    raise RuleBroken(
        f"no step of {defn.profile} applies to this case", field="profile", rule=defn.rule,
    )


def next_step(defn: WorkflowDef, current_step: str, case_state: CaseState) -> str | None:
    """The step after `current_step` given the decisions so far; None means closed (C9.4)."""
    current = defn.step(current_step)
    if current.on_reject is not None:
        decision = case_state.decisions.get(current.name, {})
        # C9.4 a refused approval; C9.4b / C9.5 a review that sends the work back.
        if any(decision.get(name) is False for name in REJECT_FIELDS):
            return current.on_reject
    index = defn.step_names().index(current_step)
    for step in defn.steps[index + 1 :]:
        if _applies(defn, step, case_state):
            return step.name
    return None


def step_owner(defn: WorkflowDef, step: str, case_state: CaseState) -> str:
    """The role that must complete `step`; approval comes from the matrix (C9.4, C9.6)."""
    definition = defn.step(step)
    if definition.owner_role is not None:
        return definition.owner_role
    return approver_for(_proposed(defn, step, case_state), defn.approval_matrix,
                        handling=case_state.fact("handling"))


def step_owners(defn: WorkflowDef, step: str, case_state: CaseState) -> tuple[str, ...]:
    """Every role that may complete `step`: its owner, and for an approval from the matrix
    the higher authorities too when the company's policy allows (C9.4)."""
    definition = defn.step(step)
    if definition.owner_role is not None:
        return (definition.owner_role, *definition.also_by)
    return approvers_for(_proposed(defn, step, case_state), defn.approval_matrix,
                         handling=case_state.fact("handling"))


def _proposed(defn: WorkflowDef, step: str, case_state: CaseState) -> object:
    amount = case_state.fact("amount")
    if amount is None:
        raise RuleBroken(
            f"step {step} needs the proposed amount first", field="amount", rule=defn.rule,
        )
    return amount


def approved_before(case_state: CaseState, step: str) -> object | None:
    """The amount an earlier approval step approved, if any (C9.4, C9.11)."""
    for name, decision in reversed(list(case_state.decisions.items())):
        if name != step and decision.get("approved") is True and "approved_amount" in decision:
            return decision["approved_amount"]
    return None


def ensure_current_step(case_state: CaseState, step: str, *, rule: str = "C9.4") -> None:
    """Refuse work on a step that is not the case's current one (CONTRACT: 409)."""
    if case_state.closed or case_state.current_step is None:
        raise WrongState("the case is closed", field="step", rule=rule)
    if case_state.current_step != step:
        raise WrongState(
            f"{step} is not the current step ({case_state.current_step})", field="step", rule=rule,
        )


def _advance(start: datetime, delta: timedelta, advance: Advance | None) -> datetime:
    return advance(start, delta) if advance is not None else start + delta


def step_due(
    defn: WorkflowDef,
    step: str,
    started_at: datetime,
    market: str,
    *,
    case_due_at: datetime | None = None,
    advance: Advance | None = None,
) -> datetime | None:
    """When `step` is due: its start plus its allowed time (SPEC C9.4), else the case due."""
    start = to_utc(started_at, rule=defn.rule, field="started_at")
    allowed = defn.step(step).allowed_for(check_market(market, rule=defn.rule))
    if allowed is None:
        return case_due_at
    return _advance(start, allowed.to_timedelta(day_hours=defn.day_hours), advance)


def case_due(
    defn: WorkflowDef, registered_at: datetime, market: str, *, advance: Advance | None = None
) -> datetime:
    """The case deadline: 13 (domestic) or 17 (foreign) calendar days from registration (C10)."""
    start = to_utc(registered_at, rule="C10", field="registered_at")
    days = getattr(defn.case_days, check_market(market, rule="C10"))
    return _advance(start, timedelta(days=days), advance)


def validate_step_input(defn: WorkflowDef, step: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check a step's decision fields and return them normalised; errors name the field (C9.4)."""
    definition = defn.step(step)
    allowed = {*definition.fields, *definition.optional_fields, *COMMON_OPTIONAL}
    for name in fields:
        if name not in allowed:
            raise RuleBroken(f"is not a field of step {step}", field=name, rule=defn.rule)
    clean: dict[str, Any] = {}
    for name in (*definition.fields, *definition.optional_fields, *COMMON_OPTIONAL):
        value = fields.get(name)
        if value is None:
            if name in definition.fields:
                raise RuleBroken(f"is required by step {step}", field=name, rule=defn.rule)
            continue
        spec = defn.field_spec(name)
        assert spec is not None  # guaranteed by WorkflowDef validation
        clean[name] = coerce(name, spec, value, rule=defn.rule)
        if spec.within_authority:
            owner = definition.owner_role or "approver"
            check_promise_within_authority(owner, clean[name], defn.approval_matrix)
    if clean.get("handling") == "not_valid" and clean.get("amount", 0) != 0:
        raise RuleBroken(
            "a complaint found not valid carries no amount", field="amount", rule="C9.14",
        )
    return clean


def decide_step(
    defn: WorkflowDef, case_state: CaseState, step: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate a step's input and run the step's named checks on it (C9.4, C9.1, C9.7)."""
    decision = validate_step_input(defn, step, fields)
    for name in defn.step(step).checks:
        decision = CHECKS[name](case_state.with_decision(step, decision), decision)
    approved = approved_before(case_state, step)
    if "amount" in decision and approved is not None:
        # C9.11: what is carried out after an approval never exceeds what was approved.
        check_within_approval(decision["amount"], approved)
    if "approved" in defn.step(step).fields:
        decision.pop("approved_amount", None)
        if decision.get("approved") is True and case_state.fact("amount") is not None:
            # C9.4: the approval is of this amount; it is kept with the approver's decision.
            decision["approved_amount"] = case_state.fact("amount")
    return decision
