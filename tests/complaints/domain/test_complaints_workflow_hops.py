"""The hops of clause 九 the first version skipped, as data (SPEC C9.4b, C9.5, C9.2b, C7.4,
R2b), and switching each off in a company's definition."""

import copy
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.profiles import (
    MANUFACTURER_FULL,
    builtin_profile,
    load_profile,
)
from services.complaints.domain.routing import (
    decide_step,
    first_step,
    next_step,
    step_due,
    step_owner,
    step_owners,
    validate_step_input,
)
from shared.rules import RuleBroken

MFR = builtin_profile("manufacturer")
FULL = builtin_profile("manufacturer_full")
RETAIL = builtin_profile("retail")
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
QA = {"cause": "burr", "responsible_unit": "moulding", "rnd_required": False}
PRODUCTION = {"countermeasure": "new die", "production_unit": "moulding group 2",
              "machine_or_shift": "press 7, night shift", "production_staff": "Li, Chen",
              "production_date": "2026-10-01"}
SALES = {"handling": "allowance", "amount": "300.00", "customer_answer": "accepts 300"}


def walk(defn, decisions, *, attributes=None, limit=40):
    """Follow the chain from the first step; a step's decisions are consumed in turn so a
    step sent back can decide differently the second time."""
    queues = {k: list(v) if isinstance(v, list) else [v] for k, v in decisions.items()}
    state = CaseState(attributes=attributes or {})
    step, seen = first_step(defn, state), []
    while step is not None and len(seen) < limit:
        seen.append(step)
        queue = queues.get(step, [{}])
        decision = queue.pop(0) if len(queue) > 1 else queue[0]
        state = state.with_decision(step, decision)
        step = next_step(defn, step, state)
    return seen


def _switched_off(data, *names):
    data = copy.deepcopy(data)
    for step in data["steps"]:
        if step["name"] in names:
            step["enabled"] = False
    return load_profile({**data, "profile": "company"})


# --- C9.4b: manager's office comment and the GM office check ---------------------------


def test_c9_4b_full_chain_runs_the_managers_office_and_gm_office_check_before_sales():
    steps = walk(FULL, {"qa_analysis": QA, "sales_review": {"accepted": True},
                        "gm_office_check": {"accepted": True}, "approval": {"approved": True}})
    assert steps == ["registration", "qa_analysis", "manufacturing_countermeasure",
                     "manager_comment", "gm_office_check", "sales_negotiation", "sales_review",
                     "consolidation", "approval", "execution"]
    assert step_owner(FULL, "manager_comment", CaseState()) == "vice_gm"
    assert step_owner(FULL, "gm_office_check", CaseState()) == "gm_office"


def test_c9_4b_rnd_comes_between_the_managers_office_and_the_gm_office_check():
    steps = walk(FULL, {"qa_analysis": {**QA, "rnd_required": True},
                        "gm_office_check": {"accepted": True}, "approval": {"approved": True}})
    at = steps.index("manager_comment")
    assert steps[at:at + 3] == ["manager_comment", "rnd_opinion", "gm_office_check"]


def test_c9_4b_gm_office_check_sends_the_analysis_back_to_manufacturing():
    steps = walk(FULL, {"qa_analysis": QA,
                        "gm_office_check": [{"accepted": False}, {"accepted": True}],
                        "approval": {"approved": True}})
    assert steps[2:7] == ["manufacturing_countermeasure", "manager_comment",
                          "gm_office_check", "manufacturing_countermeasure", "manager_comment"]
    assert steps.count("gm_office_check") == 2


def test_c9_4b_managers_office_comment_is_required():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(FULL, "manager_comment", {})
    assert err.value.field == "comment"


def test_c9_4b_shipped_manufacturer_keeps_the_contract_chain():
    # CONTRACT's step list stays valid: the new hops are listed but switched off.
    listed = {s.name: s.enabled for s in MFR.steps}
    assert listed["manager_comment"] is False and listed["gm_office_check"] is False
    assert "manager_comment" not in walk(MFR, {"qa_analysis": QA, "approval": {"approved": True}})


def test_c9_4b_a_company_switches_the_managers_office_off():
    company = _switched_off(MANUFACTURER_FULL, "manager_comment")
    steps = walk(company, {"qa_analysis": QA, "gm_office_check": {"accepted": True},
                           "approval": {"approved": True}})
    assert "manager_comment" not in steps
    assert steps[2:4] == ["manufacturing_countermeasure", "gm_office_check"]
    assert "manager_comment" in company.step_names()  # still listed, as switched off


def test_c9_4b_a_company_may_omit_a_hop_altogether():
    data = copy.deepcopy(MANUFACTURER_FULL)
    data["steps"] = [s for s in data["steps"] if s["name"] != "gm_office_check"]
    company = load_profile({**data, "profile": "company"})
    assert "gm_office_check" not in walk(company, {"qa_analysis": QA,
                                                   "approval": {"approved": True}})


def test_c9_4b_on_reject_to_a_switched_off_step_is_refused():
    data = copy.deepcopy(MANUFACTURER_FULL)
    for step in data["steps"]:
        if step["name"] == "manufacturing_countermeasure":
            step["enabled"] = False
    with pytest.raises(ValidationError, match="on_reject must name an earlier"):
        load_profile({**data, "profile": "company"})


def test_c9_4b_a_definition_with_every_step_off_is_refused():
    data = copy.deepcopy(MANUFACTURER_FULL)
    for step in data["steps"]:
        step["enabled"] = False
    with pytest.raises(ValidationError, match="at least one step switched on"):
        load_profile({**data, "profile": "company"})


# --- C9.5: the sales supervisor reviews sales' result -----------------------------------


def test_c9_5_sales_supervisor_reviews_before_the_gm_office_consolidates():
    steps = walk(FULL, {"qa_analysis": QA, "gm_office_check": {"accepted": True},
                        "sales_review": [{"accepted": False}, {"accepted": True}],
                        "approval": {"approved": True}})
    at = steps.index("sales_negotiation")
    assert steps[at:at + 5] == ["sales_negotiation", "sales_review", "sales_negotiation",
                                "sales_review", "consolidation"]
    assert step_owners(FULL, "sales_review", CaseState()) == ("sales_manager",)


def test_c9_5_review_approves_no_amount():
    state = CaseState(decisions={"sales_negotiation": {"handling": "allowance",
                                                       "amount": Decimal("300.00")}})
    decision = decide_step(FULL, state, "sales_review", {"accepted": True})
    assert "approved_amount" not in decision  # only the matrix's approval does (C9.4)


def test_c9_5_full_profile_needs_the_customers_answer():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(FULL, "sales_negotiation", {"handling": "allowance",
                                                        "amount": "300.00"})
    assert err.value.field == "customer_answer"
    assert validate_step_input(FULL, "sales_negotiation", SALES)["customer_answer"] == (
        "accepts 300")
    # The shipped manufacturer takes it, without needing it (CONTRACT's body stays valid).
    validate_step_input(MFR, "sales_negotiation", {"handling": "allowance", "amount": "1"})


def test_c9_5_a_company_switches_the_review_off():
    company = _switched_off(MANUFACTURER_FULL, "sales_review")
    steps = walk(company, {"qa_analysis": QA, "gm_office_check": {"accepted": True},
                           "approval": {"approved": True}})
    assert steps[steps.index("sales_negotiation") + 1] == "consolidation"


# --- C9.2b: the joint inspection -------------------------------------------------------

HELD = {"joint_inspection_on": date(2026, 11, 1)}


def test_c9_2b_joint_inspection_runs_only_when_one_was_held():
    assert "joint_inspection" not in walk(MFR, {"qa_analysis": QA,
                                                "approval": {"approved": True}})
    went = {"qa_attended": True, "manufacturing_attendee": "Wu", "inspection_report": "ok"}
    steps = walk(MFR, {"joint_inspection": went, "qa_analysis": QA,
                       "approval": {"approved": True}}, attributes=HELD)
    assert steps[:3] == ["registration", "joint_inspection", "qa_analysis"]
    assert step_owner(MFR, "joint_inspection", CaseState()) == "qa"


def test_c9_2b_qa_goes_with_manufacturing_and_reports():
    state = CaseState(attributes=HELD)
    with pytest.raises(RuleBroken) as err:
        decide_step(MFR, state, "joint_inspection", {"qa_attended": True,
                                                     "inspection_report": "burrs"})
    assert (err.value.field, err.value.rule) == ("manufacturing_attendee", "C9.2b")
    with pytest.raises(RuleBroken) as err:
        decide_step(MFR, state, "joint_inspection", {"qa_attended": True,
                                                     "manufacturing_attendee": "Wu"})
    assert (err.value.field, err.value.rule) == ("inspection_report", "C9.2b")


def test_c9_2b_when_qa_cannot_go_the_gm_assigns_someone_who_reports_within_3_days():
    steps = walk(MFR, {"joint_inspection": {"qa_attended": False},
                       "inspection_assignment": {"assigned_to": "Zhao (sales engineering)"},
                       "qa_analysis": QA, "approval": {"approved": True}}, attributes=HELD)
    assert steps[:5] == ["registration", "joint_inspection", "inspection_assignment",
                         "assigned_inspection_report", "qa_analysis"]
    assert step_owner(MFR, "inspection_assignment", CaseState()) == "gm"
    assert step_owner(MFR, "assigned_inspection_report", CaseState()) == "gm"
    due = step_due(MFR, "assigned_inspection_report", T0, "domestic")
    assert due == datetime(2026, 11, 5, 1, 0, tzinfo=UTC)
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "assigned_inspection_report", {})
    assert err.value.field == "inspection_report"


def test_c9_2b_a_company_without_the_sub_flow_switches_it_off():
    company = _switched_off(MANUFACTURER_FULL, "joint_inspection", "inspection_assignment",
                            "assigned_inspection_report")
    steps = walk(company, {"qa_analysis": QA, "gm_office_check": {"accepted": True},
                           "approval": {"approved": True}}, attributes=HELD)
    assert steps[:2] == ["registration", "qa_analysis"]


def test_c9_2b_assignment_without_the_inspection_step_is_refused():
    # The GM's assignment reads QA's answer: switching off only the inspection is ill-formed.
    data = copy.deepcopy(MANUFACTURER_FULL)
    for step in data["steps"]:
        if step["name"] == "joint_inspection":
            step["enabled"] = False
    with pytest.raises(ValidationError, match="needs 'qa_attended'"):
        load_profile({**data, "profile": "company"})


# --- C7.4: manufacturing's production details ------------------------------------------


def test_c7_4_full_profile_needs_the_production_details():
    with pytest.raises(RuleBroken) as err:
        validate_step_input(FULL, "manufacturing_countermeasure", {"countermeasure": "x"})
    assert err.value.field == "production_unit"
    clean = validate_step_input(FULL, "manufacturing_countermeasure", PRODUCTION)
    assert clean["production_date"] == date(2026, 10, 1)
    assert clean["machine_or_shift"] == "press 7, night shift"


def test_c7_4_shipped_manufacturer_takes_them_optionally():
    assert validate_step_input(MFR, "manufacturing_countermeasure",
                               {"countermeasure": "x"}) == {"countermeasure": "x"}
    assert validate_step_input(MFR, "manufacturing_countermeasure", PRODUCTION)[
        "production_unit"] == "moulding group 2"
    with pytest.raises(RuleBroken) as err:
        validate_step_input(MFR, "manufacturing_countermeasure",
                            {**PRODUCTION, "production_date": "1999-12-31"})
    assert err.value.field == "production_date"


# --- R2b: the counter-group leader registers and owns the deadline ----------------------


def test_r2b_counter_group_leader_registers_retail_cases():
    assert step_owner(RETAIL, "registration", CaseState()) == "counter_lead"
    assert step_owners(RETAIL, "registration", CaseState()) == ("counter_lead", "counter")
    assert "counter_lead" in RETAIL.filed_by


def test_r2b_strict_company_lets_only_the_leader_register():
    data = copy.deepcopy(dict(RETAIL.model_dump(mode="json")))
    data["steps"][0]["also_by"] = []
    strict = load_profile({**data, "profile": "strict_retail"})
    assert step_owners(strict, "registration", CaseState()) == ("counter_lead",)


def test_r2b_also_by_names_known_roles_only():
    data = copy.deepcopy(dict(RETAIL.model_dump(mode="json")))
    data["steps"][0]["also_by"] = ["janitor"]
    with pytest.raises(ValidationError, match="unknown role 'janitor'"):
        load_profile({**data, "profile": "odd_retail"})
