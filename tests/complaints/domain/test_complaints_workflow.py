"""SPEC C9.4, C10, R2, Q26/Q28: the routing chain as data, and walking it."""

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.profiles import MANUFACTURER, builtin_profile, load_profile
from services.complaints.domain.routing import (
    case_due,
    ensure_current_step,
    first_step,
    next_step,
    step_due,
    step_owner,
    validate_step_input,
)
from shared.rules import RuleBroken, WrongState

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
MFR = builtin_profile("manufacturer")


def walk(defn, decisions, *, attributes=None):
    """Follow the chain from the first step, recording each step's decision."""
    state = CaseState(attributes=attributes or {})
    step, seen = first_step(defn, state), []
    while step is not None:
        seen.append(step)
        state = state.with_decision(step, decisions.get(step, {}))
        step = next_step(defn, step, state)
    return seen


JOINT_INSPECTION = ("joint_inspection", "inspection_assignment", "assigned_inspection_report")
QA_NO_RND = {"cause": "burr", "responsible_unit": "moulding", "rnd_required": False}


def test_c9_4_manufacturer_chain_matches_contract():
    # CONTRACT's chain: the hops it does not name are switched off in `manufacturer`, or
    # run only for a joint inspection (C9.2b), so a case without one walks exactly this.
    assert [s for s in MFR.enabled_steps() if s not in JOINT_INSPECTION] == [
        "registration",
        "qa_analysis",
        "manufacturing_countermeasure",
        "rnd_opinion",
        "sales_negotiation",
        "consolidation",
        "approval",
        "execution",
    ]
    owners = {s.name: s.owner_role for s in MFR.steps}
    assert owners["registration"] == "gm_office"
    assert owners["qa_analysis"] == "qa"
    assert owners["execution"] == "sales"
    assert MFR.step("approval").owner_from == "approval_matrix"


def test_c9_4_rnd_skipped_when_not_required():
    steps = walk(MFR, {"qa_analysis": QA_NO_RND, "approval": {"approved": True}})
    assert "rnd_opinion" not in steps
    assert steps[-1] == "execution"


def test_c9_4_rnd_comments_when_required():
    qa = {**QA_NO_RND, "rnd_required": True}
    steps = walk(MFR, {"qa_analysis": qa, "approval": {"approved": True}})
    assert steps[2:5] == ["manufacturing_countermeasure", "rnd_opinion", "sales_negotiation"]


def test_c9_4_last_step_closes_case():
    assert next_step(MFR, "execution", CaseState()) is None


def test_c9_4_refused_approval_returns_to_sales():
    state = CaseState().with_decision("approval", {"approved": False})
    assert next_step(MFR, "approval", state) == "sales_negotiation"


def test_c9_4_approval_owner_comes_from_matrix():
    state = CaseState().with_decision(
        "sales_negotiation", {"handling": "allowance", "amount": "12000.00"}
    )
    assert step_owner(MFR, "approval", state) == "vice_gm"
    assert step_owner(MFR, "qa_analysis", state) == "qa"
    with pytest.raises(RuleBroken, match="amount"):
        step_owner(MFR, "approval", CaseState())


def test_c9_4_completing_a_step_that_is_not_current_conflicts():
    state = CaseState(current_step="qa_analysis")
    ensure_current_step(state, "qa_analysis")
    with pytest.raises(WrongState) as err:
        ensure_current_step(state, "approval")
    assert err.value.rule == "C9.4"
    with pytest.raises(WrongState, match="closed"):
        ensure_current_step(CaseState(closed_at=T0), "execution")


def test_c9_4_registration_due_in_half_a_day():
    assert step_due(MFR, "registration", T0, "domestic") == T0 + timedelta(hours=12)


def test_c9_4_qa_due_in_one_day():
    assert step_due(MFR, "qa_analysis", T0, "foreign") == T0 + timedelta(days=1)


def test_c9_4_sales_negotiation_time_depends_on_market():
    assert step_due(MFR, "sales_negotiation", T0, "domestic") == T0 + timedelta(days=5)
    assert step_due(MFR, "sales_negotiation", T0, "foreign") == T0 + timedelta(days=12)


def test_c9_4_execution_bounded_by_case_deadline_only():
    due = T0 + timedelta(days=13)
    assert step_due(MFR, "execution", T0, "domestic", case_due_at=due) == due


def test_c9_4_step_due_takes_a_working_hours_calendar():
    def plus_a_week(start, delta):
        return start + delta + timedelta(days=7)

    assert step_due(MFR, "qa_analysis", T0, "domestic", advance=plus_a_week) == T0 + timedelta(
        days=8
    )


def test_c9_4_step_due_refuses_naive_start_and_unknown_market():
    with pytest.raises(RuleBroken):
        step_due(MFR, "qa_analysis", datetime(2026, 11, 2), "domestic")
    with pytest.raises(RuleBroken) as err:
        step_due(MFR, "qa_analysis", T0, "mars")
    assert err.value.field == "market"


def test_c10_domestic_case_due_13_days():
    assert case_due(MFR, T0, "domestic") == T0 + timedelta(days=13)


def test_c10_foreign_case_due_17_days():
    assert case_due(MFR, T0, "foreign") == T0 + timedelta(days=17)


def test_c10_case_due_is_utc():
    shanghai = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert case_due(MFR, shanghai, "domestic") == T0 + timedelta(days=13)
    assert case_due(MFR, shanghai, "domestic").tzinfo is UTC


# --- step input -----------------------------------------------------------------------


def test_c9_4_step_input_normalised():
    clean = validate_step_input(
        MFR, "sales_negotiation", {"handling": "allowance", "amount": "1200.5", "note": " ok "}
    )
    assert clean == {"handling": "allowance", "amount": Decimal("1200.50"), "note": "ok"}


def test_c9_4_step_input_missing_field_named():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "qa_analysis", {"cause": "burr", "rnd_required": False})
    assert err.value.field == "responsible_unit"


def test_c9_4_step_input_bad_enum_named():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "sales_negotiation", {"handling": "refund", "amount": "1.00"})
    assert err.value.field == "handling"
    assert "allowance" in err.value.message


@pytest.mark.parametrize("amount", ["-1.00", "1.005", 1.5, "abc", True])
def test_c9_4_step_input_bad_amount_named(amount):
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "sales_negotiation", {"handling": "return", "amount": amount})
    assert err.value.field == "amount"


def test_c9_4_step_input_bool_must_be_bool():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "qa_analysis", {**QA_NO_RND, "rnd_required": "no"})
    assert err.value.field == "rnd_required"


def test_c9_4_step_input_unknown_field_named():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "registration", {"approved": True})
    assert err.value.field == "approved"


def test_c9_4_step_input_at_must_carry_offset():
    clean = validate_step_input(MFR, "registration", {"at": "2026-11-02T09:00:00+08:00"})
    assert clean["at"] == T0
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "registration", {"at": "2026-11-02T09:00:00"})
    assert err.value.field == "at"


def test_c9_14_not_valid_carries_no_amount():
    validate_step_input(MFR, "sales_negotiation", {"handling": "not_valid", "amount": "0"})
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "sales_negotiation", {"handling": "not_valid", "amount": "5"})
    assert err.value.rule == "C9.14"


def test_c9_11_step_input_refuses_amount_above_highest_authority():
    data = copy.deepcopy(MANUFACTURER)
    data["approval_matrix"] = {"tiers": [{"role": "sales_manager", "up_to": "5000.00"}]}
    capped = load_profile(data)
    with pytest.raises(RuleBroken) as err:
        validate_step_input(
            capped, "sales_negotiation", {"handling": "allowance", "amount": "5000.01"}
        )
    assert err.value.rule == "C9.11"


# --- ill-formed definitions -----------------------------------------------------------


def _index(data, name):
    return [s["name"] for s in data["steps"]].index(name)


def _broken(mutate):
    data = copy.deepcopy(MANUFACTURER)
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["steps"].append(dict(d["steps"][0])), "duplicate step name 'registration'"),
        (lambda d: d["steps"][1].update(owner_role="janitor"), "unknown role 'janitor'"),
        (lambda d: d.update(steps=[]), "at least one step"),
        (lambda d: d["steps"][3].update(condition="full_moon"), "unknown condition 'full_moon'"),
        (lambda d: d["steps"][0].update(allowed={"days": 0}), "must be positive"),
        (lambda d: d["steps"][0].update(allowed={"hours": -4}), "must be positive"),
        (lambda d: d["steps"][0].update(allowed={"days": 1, "hours": 2}), "either days or hours"),
        (lambda d: d["steps"][4].update(allowed={"domestic": {"days": 5}}), "foreign"),
        (lambda d: d["steps"][1].update(fields=["cause", "colour"]), "field 'colour' has no type"),
        (lambda d: d["steps"].insert(0, d["steps"].pop(_index(d, "rnd_opinion"))),
         "needs 'rnd_required'"),
        (lambda d: d["steps"][_index(d, "approval")].update(on_reject="execution"),
         "on_reject must name an earlier"),
        (lambda d: d["steps"][0].update(owner_from="approval_matrix"), "exactly one of"),
        (lambda d: d.update(case_days={"domestic": 0, "foreign": 17}), "greater than 0"),
    ],
)
def test_c9_4_ill_formed_workflow_refused_with_reason(mutate, reason):
    with pytest.raises(ValidationError, match=reason):
        load_profile(_broken(mutate))


def test_c9_4_company_may_define_its_own_workflow():
    own = load_profile(
        {
            "profile": "small_shop",
            "steps": [
                {"name": "intake", "owner_role": "clerk", "allowed": {"hours": 4}},
                {
                    "name": "decide",
                    "owner_role": "branch_manager",
                    "allowed": {"days": 2},
                    "fields": ["handling", "amount"],
                },
            ],
        }
    )
    assert step_due(own, "intake", T0, "domestic") == T0 + timedelta(hours=4)
    assert walk(own, {}) == ["intake", "decide"]
