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

retail (R2, part 2): the counter registers ½ day → the responsible staff (role `counter`)
investigate 1 day → the counter lead decides handling and amount 1 day (gifts borrowed from
other vendors recorded) → branch approval (`branch_manager`) 1 day, only for compensation
or amounts beyond the counter's authority → the cashier executes 1 day unless not valid.
  [choice] all step times above; case 13 / 17 days as part 2 repeats C10.
  [choice] a refused branch approval goes back to the counter lead.
  [choice] filed by a counter; any classification incl. service problems (R1); copies to
  the counter, its lead and accounting (which instructs the store's cashier).

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
        },
        {
            "name": "rnd_opinion",
            "owner_role": "rnd",
            "allowed": ONE_DAY,
            "condition": "rnd_required",
            "fields": ["opinion"],
        },
        {
            "name": "sales_negotiation",
            "owner_role": "sales",
            "allowed": {"domestic": {"days": "5"}, "foreign": {"days": "12"}},
            "checks": ["return_quantity_known"],
            "fields": ["handling", "amount"],
            "optional_fields": ["return_quantity"],
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
    "filed_by": ["counter"],
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
            "owner_role": "counter",
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
            "checks": ["return_quantity_known"],
            "fields": ["handling", "amount"],
            "optional_fields": ["borrowed_gifts", "return_quantity"],
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

PROFILE_DATA: dict[str, Mapping[str, Any]] = {
    "manufacturer": MANUFACTURER,
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
