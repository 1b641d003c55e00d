"""The built-in complaint workflows, as data (SPEC C9.4, R2, Q26/Q28).

Each definition is plain data validated by `WorkflowDef`; a company may ship its own in
the same shape (e.g. from JSON) through `load_profile`.

manufacturer (C9.4, CONTRACT): registration gm_office ½ day → qa_analysis qa 1 day →
manufacturing_countermeasure 1 day → rnd_opinion 1 day (only when QA sets rnd_required) →
sales_negotiation 5 days domestic / 12 foreign → consolidation gm_office ½ day (the form's
½ day, tighter than C9.6's one day) → approval by the matrix's role → execution (sales) → closed.
  [choice] approval 1 day; execution has no own time, only the case deadline (C10).
  [choice] a refused approval goes back to sales_negotiation.
  Filed by sales with order, part, ship date and quantity (C9.1); QA may name a supplier
  (C9.13, coordinated before consolidation) and the day it investigated (C9.3); a return
  carries its quantity (C9.1, C9.8); consolidation decides improvement tracking (C9.7).
  Copies to QA, manufacturing, sales, accounting and the GM office (C9.8).
  Clause 九's hops the first version skipped (issue 15), each a step a company's own
  definition switches off with `"enabled": false` (or leaves out):
  - C9.2b joint inspection, only when the filing names one (`joint_inspection_on`):
    `joint_inspection` qa 3 days (QA went: with whom from manufacturing, and its report);
    QA did not go → `inspection_assignment` gm 1 day → `assigned_inspection_report` gm
    3 days (the assignee reports to the GM, who records it). On in both manufacturer
    profiles: it runs only after a joint inspection, so CONTRACT's walk is unchanged.
  - C7.4 production unit, machine or shift, staff and production date on
    `manufacturing_countermeasure`, kept on the case for P5's smallest group unit.
  - C9.4b `manager_comment` (送經理室批示) vice_gm 1 day after the countermeasure;
    `gm_office_check` gm_office ½ day after R&D, refused → back to manufacturing.
  - C9.5 `customer_answer` on `sales_negotiation`; `sales_review` (呈主管核閱)
    sales_manager 1 day, refused → back to sales_negotiation.
  [choice] `manufacturer` keeps CONTRACT's chain: C9.4b / C9.5's hops are listed switched
  off and C7.4 / C9.5's fields optional; `manufacturer_full` is clause 九 whole (all on,
  those fields required). [choice] 經理室 is `vice_gm` (no closed-list role fits
  better); hop times above are ours, the seed gives none.

retail (R2, part 2): the counter-group leader registers ½ day (R2b; `counter_lead` owns the
step and its deadline, a counter may enter it for the leader: `also_by`) → the responsible
staff (role `counter`) investigate 1 day → the counter lead decides handling and amount
1 day (gifts borrowed from other vendors recorded) → branch approval (`branch_manager`)
1 day, only for compensation or amounts beyond the counter's authority → the cashier
executes 1 day unless not valid.
  [choice] all step times above; case 13 / 17 days as part 2 repeats C10.
  [choice] a refused branch approval goes back to the counter lead.
  [choice] filed by a counter or its leader (R2b); any classification incl. service
  problems (R1); copies to the counter, its lead and accounting (which instructs the
  store's cashier).

service (Q26, Q28, survey complaints): the service department registers ½ day →
serious: at once to the vice GM, who handles it 1 day → the supervisor (or someone sent)
visits every complaining customer 1 day (Q28) → serious: a letter to the customer 1 day;
general: the service department handles 2 days, then tells the customer in writing or by
phone 1 day (Q26).
  [choice] all step times above; case 7 days whatever the market; severity is the case
  attribute `severity` (`serious` | `general`): a survey case takes the service
  department's triage from the event, a case it files itself must give one; classification
  `service` only (R1); filed from a survey card or by the service department; the closed
  case's copy goes to the service department, which chases it (Q27).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from shared.rules import RuleBroken

from .approval import MANUFACTURER_MATRIX, RETAIL_MATRIX
from .workflow import WorkflowDef

HALF_DAY = {"days": "0.5"}
ONE_DAY = {"days": "1"}
# SPEC C7.4: manufacturing's production details for the complained product.
PRODUCTION_FIELDS = ("production_unit", "machine_or_shift", "production_staff", "production_date")

MANUFACTURER: dict[str, Any] = {
    "profile": "manufacturer",
    "rule": "C9.4",
    "case_days": {"domestic": 13, "foreign": 17},
    "approval_matrix": MANUFACTURER_MATRIX,
    "filed_by": ["sales"],
    "filing_fields": ["order_no", "part_no", "ship_date", "quantity"],
    "classifications": ["non_quality", "quality"],
    "copies_to": ["qa", "manufacturing", "sales", "accounting", "gm_office"],
    "steps": [
        {"name": "registration", "owner_role": "gm_office", "allowed": HALF_DAY},
        # C9.2b: the joint inspection sales asked for (C9.2) is reported before QA's analysis.
        {
            "name": "joint_inspection",
            "owner_role": "qa",
            "allowed": {"days": "3"},
            "condition": "joint_inspection_held",
            "checks": ["joint_inspection_attended"],
            "fields": ["qa_attended"],
            "optional_fields": ["manufacturing_attendee", "inspection_report", "inspected_on"],
        },
        {
            "name": "inspection_assignment",
            "owner_role": "gm",
            "allowed": ONE_DAY,
            "condition": "qa_absent",
            "fields": ["assigned_to"],
        },
        {
            "name": "assigned_inspection_report",
            "owner_role": "gm",
            "allowed": {"days": "3"},
            "condition": "qa_absent",
            "fields": ["inspection_report"],
            "optional_fields": ["inspected_on"],
        },
        {
            "name": "qa_analysis",
            "owner_role": "qa",
            "allowed": ONE_DAY,
            "fields": ["cause", "responsible_unit", "rnd_required"],
            "optional_fields": ["cause_category", "supplier", "investigated_at"],
        },
        {
            "name": "manufacturing_countermeasure",
            "owner_role": "manufacturing",
            "allowed": ONE_DAY,
            "fields": ["countermeasure"],
            # C7.4: where it was made, kept on the case for P5's smallest group unit.
            "optional_fields": list(PRODUCTION_FIELDS),
        },
        {
            "name": "manager_comment",  # C9.4b: 送經理室批示
            "owner_role": "vice_gm",
            "allowed": ONE_DAY,
            "fields": ["comment"],
            "enabled": False,
        },
        {
            "name": "rnd_opinion",
            "owner_role": "rnd",
            "allowed": ONE_DAY,
            "condition": "rnd_required",
            "fields": ["opinion"],
        },
        {
            "name": "gm_office_check",  # C9.4b: checked before it goes back to sales
            "owner_role": "gm_office",
            "allowed": HALF_DAY,
            "fields": ["accepted"],
            "on_reject": "manufacturing_countermeasure",
            "enabled": False,
        },
        {
            "name": "sales_negotiation",
            "owner_role": "sales",
            "allowed": {"domestic": {"days": "5"}, "foreign": {"days": "12"}},
            "checks": ["return_quantity_known"],
            "fields": ["handling", "amount"],
            "optional_fields": ["return_quantity", "customer_answer"],
        },
        {
            "name": "sales_review",  # C9.5: 呈主管核閱
            "owner_role": "sales_manager",
            "allowed": ONE_DAY,
            "fields": ["accepted"],
            "on_reject": "sales_negotiation",
            "enabled": False,
        },
        {
            "name": "consolidation",
            "owner_role": "gm_office",
            "allowed": HALF_DAY,
            "checks": ["supplier_coordinated", "improvement_decided"],
            "fields": ["summary"],
            "optional_fields": ["loss_amount", "improvement_tracking"],
        },
        {
            "name": "approval",
            "owner_from": "approval_matrix",
            "allowed": ONE_DAY,
            "fields": ["approved"],
            "on_reject": "sales_negotiation",
        },
        # C9.11: sales may record what it carried out; never more than was approved.
        {"name": "execution", "owner_role": "sales", "optional_fields": ["amount"]},
    ],
}

RETAIL: dict[str, Any] = {
    "profile": "retail",
    "rule": "R2",
    "case_days": {"domestic": 13, "foreign": 17},
    "approval_matrix": RETAIL_MATRIX,
    "filed_by": ["counter", "counter_lead"],
    "classifications": ["non_quality", "quality", "service"],
    "copies_to": ["counter", "counter_lead", "accounting"],
    "field_types": {
        "handling": {
            "kind": "choice",
            "choices": ["allowance", "compensation", "return", "exchange", "not_valid"],
        }
    },
    "steps": [
        {
            "name": "registration",
            "owner_role": "counter_lead",  # R2b: the counter-group leader (柜組長) registers
            "also_by": ["counter"],  # [choice] on the leader's behalf; the lead owns the clock
            "allowed": HALF_DAY,
            "optional_fields": ["sales_slip_no"],
        },
        {
            "name": "staff_investigation",
            "owner_role": "counter",
            "allowed": ONE_DAY,
            "fields": ["cause", "responsible_unit"],
            "optional_fields": ["countermeasure", "cause_category"],
        },
        {
            "name": "lead_review",
            "owner_role": "counter_lead",
            "allowed": ONE_DAY,
            # R2b: a refund's presence and invoice; borrowed gifts agreed beforehand.
            "checks": ["return_quantity_known", "refund_conditions", "gifts_agreed"],
            "fields": ["handling", "amount"],
            "optional_fields": ["borrowed_gifts", "return_quantity", "customer_present",
                                "staff_present", "invoice_collected"],
        },
        {
            "name": "branch_approval",
            "owner_role": "branch_manager",
            "allowed": ONE_DAY,
            "condition": "amount_needs_approval",
            "fields": ["approved"],
            "on_reject": "lead_review",
        },
        {
            "name": "cashier_execution",
            "owner_role": "cashier",
            "allowed": ONE_DAY,
            "condition": "settlement_required",
            "optional_fields": ["amount"],
        },
    ],
}

SERVICE: dict[str, Any] = {
    "profile": "service",
    "rule": "Q26",
    "case_days": {"domestic": 7, "foreign": 7},
    "filed_by": ["service_dept"],
    # Q26: the service department triages what it files itself (survey cases carry theirs).
    "filing_fields": ["severity"],
    "classifications": ["service"],
    "copies_to": ["service_dept"],
    "steps": [
        {"name": "registration", "owner_role": "service_dept", "allowed": HALF_DAY},
        {
            "name": "vice_gm_handling",
            "owner_role": "vice_gm",
            "allowed": ONE_DAY,
            "condition": "serious_complaint",
            "fields": ["outcome"],
        },
        {
            "name": "supervisor_visit",
            "owner_role": "supervisor",
            "allowed": ONE_DAY,
            "fields": ["visited_by", "visited_on"],
            "optional_fields": ["outcome"],
        },
        {
            "name": "letter_to_customer",
            "owner_role": "service_dept",
            "allowed": ONE_DAY,
            "condition": "serious_complaint",
            "fields": ["letter_ref"],
        },
        {
            "name": "service_dept_handling",
            "owner_role": "service_dept",
            "allowed": {"days": "2"},
            "condition": "general_complaint",
            "fields": ["outcome"],
        },
        {
            "name": "customer_notice",
            "owner_role": "service_dept",
            "allowed": ONE_DAY,
            "condition": "general_complaint",
            "fields": ["channel"],
        },
    ],
}



def _full(data: Mapping[str, Any]) -> dict[str, Any]:
    """Clause 九 as the seed runs it: every hop on, C7.4's details and C9.5's answer asked."""
    required = {"manufacturing_countermeasure": PRODUCTION_FIELDS,
                "sales_negotiation": ("customer_answer",)}
    steps = []
    for step in data["steps"]:
        step = {**step, "enabled": True}
        moved = required.get(step["name"], ())
        if moved:
            step["fields"] = [*step.get("fields", ()), *moved]
            step["optional_fields"] = [f for f in step.get("optional_fields", ())
                                       if f not in moved]
        steps.append(step)
    return {**data, "profile": "manufacturer_full", "steps": steps}


MANUFACTURER_FULL: dict[str, Any] = _full(MANUFACTURER)

PROFILE_DATA: dict[str, Mapping[str, Any]] = {
    "manufacturer": MANUFACTURER,
    "manufacturer_full": MANUFACTURER_FULL,
    "retail": RETAIL,
    "service": SERVICE,
}


def load_profile(data: Mapping[str, Any]) -> WorkflowDef:
    """Validate a workflow definition given as data; pydantic's error gives the reason."""
    return WorkflowDef.model_validate(data)


@cache
def builtin_profile(name: str) -> WorkflowDef:
    """One of the shipped profiles: manufacturer, retail or service (SPEC C9.4, R2, Q26)."""
    if name not in PROFILE_DATA:
        raise RuleBroken(f"must be one of {', '.join(PROFILE_DATA)}", field="profile", rule="C9.4")
    return load_profile(PROFILE_DATA[name])


def builtin_profiles() -> dict[str, WorkflowDef]:
    """All shipped profiles by name (CONTRACT: GET /profiles)."""
    return {name: builtin_profile(name) for name in PROFILE_DATA}
