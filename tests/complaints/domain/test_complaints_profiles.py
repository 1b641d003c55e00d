"""SPEC R2 (retail counters) and Q26/Q28 (survey complaints): the other shipped profiles."""

from decimal import Decimal

import pytest

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.profiles import builtin_profile, builtin_profiles
from services.complaints.domain.routing import first_step, next_step, validate_step_input
from shared.rules import RuleBroken

RETAIL = builtin_profile("retail")
SERVICE = builtin_profile("service")


def walk(defn, decisions, *, attributes=None):
    """Follow the chain from the first step, recording each step's decision."""
    state = CaseState(attributes=attributes or {})
    step, seen = first_step(defn, state), []
    while step is not None:
        seen.append(step)
        state = state.with_decision(step, decisions.get(step, {}))
        step = next_step(defn, step, state)
    return seen


def test_profiles_listed_by_name():
    assert sorted(builtin_profiles()) == ["manufacturer", "manufacturer_full", "retail", "service"]
    with pytest.raises(RuleBroken) as err:
        builtin_profile("bakery")
    assert err.value.field == "profile"


def test_r2_refused_branch_approval_returns_to_counter_lead():
    state = CaseState().with_decision("branch_approval", {"approved": False})
    assert next_step(RETAIL, "branch_approval", state) == "lead_review"


# --- retail (R2) ----------------------------------------------------------------------

INVESTIGATION = {"cause": "scratch", "responsible_unit": "counter 3"}


def test_r2_retail_chain_roles():
    owners = [s.owner_role for s in RETAIL.steps]
    # R2b: the counter-group leader registers the case the counter filed.
    assert owners == ["counter_lead", "counter", "counter_lead", "branch_manager", "cashier"]


def test_r2_allowance_within_counter_authority_skips_branch():
    decisions = {
        "staff_investigation": INVESTIGATION,
        "lead_review": {"handling": "allowance", "amount": Decimal("300.00")},
    }
    steps = walk(RETAIL, decisions)
    assert "branch_approval" not in steps
    assert steps[-1] == "cashier_execution"


def test_r2_retail_compensation_needs_branch_approval():
    decisions = {
        "lead_review": {"handling": "compensation", "amount": Decimal("50.00")},
        "branch_approval": {"approved": True},
    }
    assert walk(RETAIL, decisions)[-2:] == ["branch_approval", "cashier_execution"]


def test_r2_allowance_beyond_counter_authority_needs_branch():
    decisions = {
        "lead_review": {"handling": "allowance", "amount": Decimal("800.00")},
        "branch_approval": {"approved": True},
    }
    assert "branch_approval" in walk(RETAIL, decisions)


def test_r2_not_valid_needs_no_cashier():
    decisions = {"lead_review": {"handling": "not_valid", "amount": Decimal("0.00")}}
    assert walk(RETAIL, decisions)[-1] == "lead_review"


def test_r2_borrowed_gifts_recorded():
    clean = validate_step_input(
        RETAIL,
        "lead_review",
        {"handling": "exchange", "amount": "0.00", "borrowed_gifts": "kettle from vendor B"},
    )
    assert clean["borrowed_gifts"] == "kettle from vendor B"


def test_r2_errors_cite_r2():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(RETAIL, "lead_review", {"handling": "reprocess", "amount": "1"})
    assert err.value.rule == "R2"


# --- service profile (Q26, Q28) -------------------------------------------------------


def test_q26_serious_complaint_goes_at_once_to_vice_gm_then_letter():
    steps = walk(SERVICE, {}, attributes={"severity": "serious"})
    assert steps == ["registration", "vice_gm_handling", "supervisor_visit", "letter_to_customer"]


def test_q26_general_complaint_handled_by_service_dept():
    steps = walk(SERVICE, {}, attributes={"severity": "general"})
    assert steps == ["registration", "supervisor_visit", "service_dept_handling", "customer_notice"]
    clean = validate_step_input(SERVICE, "customer_notice", {"channel": "phone"})
    assert clean == {"channel": "phone"}


def test_q28_every_complaining_customer_is_visited():
    for severity in ("serious", "general"):
        assert "supervisor_visit" in walk(SERVICE, {}, attributes={"severity": severity})
    clean = validate_step_input(
        SERVICE, "supervisor_visit", {"visited_by": "S01", "visited_on": "2026-11-03"}
    )
    assert clean["visited_on"].isoformat() == "2026-11-03"
