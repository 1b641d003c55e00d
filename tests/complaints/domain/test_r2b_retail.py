"""Retail refund conditions and gift borrowing as named checks (SPEC R2b)."""

from __future__ import annotations

import pytest

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.checks import CHECKS
from services.complaints.domain.profiles import builtin_profile
from services.complaints.domain.retail import gifts_agreed, refund_conditions
from shared.rules import RuleBroken, WrongState

PRESENT = {"customer_present": True, "staff_present": "counter", "invoice_collected": True}


@pytest.mark.parametrize("missing", ["customer_present", "staff_present", "invoice_collected"])
def test_r2b_a_refund_without_each_condition_is_refused_naming_it(missing: str) -> None:
    decision = {"handling": "return", "amount": "450.00",
                **{k: v for k, v in PRESENT.items() if k != missing}}
    with pytest.raises(RuleBroken) as err:
        refund_conditions(CaseState(), decision)
    assert (err.value.field, err.value.rule) == (missing, "R2b")


@pytest.mark.parametrize("false", [{"customer_present": False}, {"invoice_collected": False},
                                   {"staff_present": "cashier"}])
def test_r2b_a_false_condition_is_refused(false: dict[str, object]) -> None:
    with pytest.raises(RuleBroken) as err:
        refund_conditions(CaseState(), {"handling": "return", **PRESENT, **false})
    assert err.value.field == next(iter(false))


def test_r2b_a_refund_with_its_conditions_passes_and_other_handlings_need_none() -> None:
    assert refund_conditions(CaseState(), {"handling": "return", **PRESENT})["handling"] == (
        "return")
    assert refund_conditions(CaseState(), {"handling": "allowance", "amount": "1"})


def test_r2b_borrowed_gifts_need_the_organisers_agreement_first() -> None:
    with pytest.raises(WrongState) as err:
        gifts_agreed(CaseState(), {"borrowed_gifts": "kettle from vendor B"})
    assert (err.value.field, err.value.rule) == ("borrowed_gifts", "R2b")
    agreed = CaseState(attributes={"gifts_agreed": True})
    assert gifts_agreed(agreed, {"borrowed_gifts": "kettle"})["borrowed_gifts"] == "kettle"
    assert gifts_agreed(CaseState(), {"handling": "exchange"}) == {"handling": "exchange"}


def test_r2b_the_retail_lead_review_carries_both_checks_and_the_fields() -> None:
    step = builtin_profile("retail").step("lead_review")
    assert {"refund_conditions", "gifts_agreed"} <= set(step.checks) <= set(CHECKS)
    assert {"customer_present", "staff_present", "invoice_collected"} <= set(
        step.optional_fields)
